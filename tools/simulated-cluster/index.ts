export { FakeKubeApiServer } from './fake-kube-apiserver';
export type { FakeKubeApiServerOptions, ExpiredWatchMode, KubeObject, KubeFault, FaultableRequest, LeaseRecord } from './fake-kube-apiserver';
export type { WriteRefusal } from './kube-object-store';
export { podFixture } from './pod-fixture';
export type { PodFixtureInput } from './pod-fixture';
export { AgentPlatformDouble } from './agent-platform-double';
export { SimulatedWorkloads, simulatedDigest } from './simulated-workloads';
