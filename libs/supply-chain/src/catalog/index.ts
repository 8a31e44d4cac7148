export * from './catalog.error';
export { parseOsRelease, distroQualifier, type Distro } from './os-release.cataloger';
export { catalogApkInstalled } from './apk-installed.cataloger';
export { catalogDpkgStatus, catalogDpkgStatusD } from './dpkg-status.cataloger';
export { catalogNpmPackageJson } from './npm-package-json.cataloger';
export { catalogPythonMetadata } from './python-metadata.cataloger';
export { DEFAULT_PACKAGE_DB_FILE_LIMITS, packageDbKind, type PackageDbKind } from './package-db-path.util';
export { catalogFileView, type ImageCatalog } from './package-db.cataloger';
export {
  catalogImageLayers,
  DEFAULT_LAYER_CATALOG_LIMITS,
  normalizeEntryPath,
  type LayerCatalogLimits,
  type LayerSource,
} from './image-layer.cataloger';
