export { HelmSubsetRenderer, renderChart, deepMerge } from "./helm-subset-renderer";
