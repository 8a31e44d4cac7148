export * from './versions';
export * from './advisories';
export * from './sbom';
export * from './catalog';
