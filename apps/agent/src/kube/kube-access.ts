import { AppsV1Api, BatchV1Api, CoreV1Api, KubeConfig, VersionApi } from '@kubernetes/client-node';

/** Kube API access: KUBECONFIG when given (out of cluster), the service account otherwise. */
export function loadKubeConfig(kubeconfigPath: string | undefined): KubeConfig {
  const kc = new KubeConfig();
  if (kubeconfigPath) kc.loadFromFile(kubeconfigPath);
  else if (process.env.KUBERNETES_SERVICE_HOST) kc.loadFromCluster();
  else kc.loadFromDefault();
  return kc;
}

/** client-node calls have no deadline of their own; a hung apiserver must not hang a loop. */
export function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(Object.assign(new Error(`${what}: no answer from the kube API within ${ms} ms`), { code: 'ETIMEDOUT' })), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/** HTTP status of a client-node error (ApiException.code, or a watch error's statusCode). */
export function kubeStatusOf(error: unknown): number | undefined {
  const e = error as { code?: unknown; statusCode?: unknown };
  if (typeof e?.code === 'number') return e.code;
  if (typeof e?.statusCode === 'number') return e.statusCode;
  return undefined;
}

export interface KubeClients {
  config: KubeConfig;
  core: CoreV1Api;
  apps: AppsV1Api;
  batch: BatchV1Api;
  version: VersionApi;
  timeoutMs: number;
}

export function createKubeClients(config: KubeConfig, timeoutMs: number): KubeClients {
  return {
    config,
    core: config.makeApiClient(CoreV1Api),
    apps: config.makeApiClient(AppsV1Api),
    batch: config.makeApiClient(BatchV1Api),
    version: config.makeApiClient(VersionApi),
    timeoutMs,
  };
}

/** The cluster's version for heartbeats, asked once per ten minutes. */
export function kubernetesVersionProbe(k: KubeClients): () => Promise<string> {
  let cached: { value: string; at: number } | undefined;
  return async () => {
    if (cached && Date.now() - cached.at < 600_000) return cached.value;
    try {
      const info = await withTimeout(k.version.getCode(), k.timeoutMs, 'version');
      cached = { value: (info.gitVersion || 'unknown').slice(0, 128), at: Date.now() };
    } catch {
      return cached?.value ?? 'unknown';
    }
    return cached.value;
  };
}
