export { FakeKubeApiServer } from './fake-kube-apiserver';
export type { FakeKubeApiServerOptions, ExpiredWatchMode, KubeObject } from './fake-kube-apiserver';
export { podFixture } from './pod-fixture';
export type { PodFixtureInput } from './pod-fixture';
