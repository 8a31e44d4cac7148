// Lint is about architecture first: Nx module boundaries keep the layering of
// STYLE.md (pure cores, shared infrastructure, bounded contexts, thin apps).
import nx from '@nx/eslint-plugin';
import tseslint from 'typescript-eslint';

export default [
  { ignores: ['dist/**', 'node_modules/**', 'coverage/**', '**/*.mjs', '**/*.js'] },
  {
    files: ['**/*.ts'],
    languageOptions: { parser: tseslint.parser, parserOptions: { sourceType: 'module' } },
    plugins: { '@nx': nx, '@typescript-eslint': tseslint.plugin },
    rules: {
      '@nx/enforce-module-boundaries': [
        'error',
        {
          allow: [],
          enforceBuildableLibDependency: false,
          depConstraints: [
            { sourceTag: 'type:core', onlyDependOnLibsWithTags: ['type:core'] },
            { sourceTag: 'type:shared', onlyDependOnLibsWithTags: ['type:shared', 'type:core'] },
            { sourceTag: 'type:context', onlyDependOnLibsWithTags: ['type:context', 'type:shared', 'type:core'] },
            { sourceTag: 'type:app', onlyDependOnLibsWithTags: ['type:context', 'type:shared', 'type:core'] },
            // The agent runs in customers' clusters: only the wire protocol, pure cores and shared config.
            { sourceTag: 'type:agent-app', onlyDependOnLibsWithTags: ['type:core', 'type:shared'] },
          ],
        },
      ],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  {
    // Tests and test infrastructure may reach test support and any lib by path.
    files: ['**/*.spec.ts', '**/*.int-spec.ts', 'libs/shared/testing/**/*.ts'],
    rules: { '@nx/enforce-module-boundaries': 'off' },
  },
];
