// Moved to tools/simulated-cluster (the demo runs it too); kept so older imports still resolve.
export { FakeKubeApiServer, podFixture } from '../../../tools/simulated-cluster';
export type { FakeKubeApiServerOptions, ExpiredWatchMode, KubeObject, PodFixtureInput } from '../../../tools/simulated-cluster';
