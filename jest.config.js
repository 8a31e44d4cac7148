// One jest run covers every tier; projects let CI and developers pick one.
const swcTransform = [
  '@swc/jest',
  {
    swcrc: false,
    sourceMaps: 'inline',
    module: { type: 'commonjs' },
    jsc: {
      target: 'es2022',
      parser: { syntax: 'typescript', decorators: true },
      transform: { legacyDecorator: true, decoratorMetadata: true, useDefineForClassFields: false },
      keepClassNames: true,
    },
  },
];

// ESM-only packages that jest must transform to CommonJS.
const esmPackages = ['openid-client', 'oauth4webapi', 'jose', '@kubernetes/client-node'];

const common = {
  rootDir: __dirname,
  transform: { '^.+\\.(t|j|mj)s$': swcTransform },
  transformIgnorePatterns: [`/node_modules/(?!(${esmPackages.join('|')})/)`],
  moduleFileExtensions: ['ts', 'js', 'mjs', 'json'],
  moduleNameMapper: {
    '^@vigil/shared/([^/]+)$': '<rootDir>/libs/shared/$1/src/index.ts',
    '^@vigil/([^/]+)$': '<rootDir>/libs/$1/src/index.ts',
  },
  testEnvironment: 'node',
  modulePathIgnorePatterns: ['<rootDir>/dist/'],
};

module.exports = {
  // A project-level testTimeout is ignored by jest; integration tests wait on real servers.
  testTimeout: 30000,
  reporters: ['default', '<rootDir>/tools/jest-summary-reporter.js'],
  projects: [
    { ...common, displayName: 'unit', testMatch: ['<rootDir>/{apps,libs,tools}/**/*.spec.ts'] },
    {
      ...common,
      displayName: 'integration',
      testMatch: ['<rootDir>/{apps,libs,test}/**/*.int-spec.ts'],
      globalSetup: '<rootDir>/libs/shared/testing/src/global-setup.ts',
      globalTeardown: '<rootDir>/libs/shared/testing/src/global-teardown.ts',
    },
    {
      ...common,
      displayName: 'e2e',
      testMatch: ['<rootDir>/test/e2e/**/*.e2e-spec.ts'],
      globalSetup: '<rootDir>/test/e2e/build-once.ts',
    },
  ],
};
