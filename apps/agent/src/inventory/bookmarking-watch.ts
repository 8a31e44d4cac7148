import { KubeConfig, Watch } from '@kubernetes/client-node';

export interface WatchHooks {
  /** Any line on the stream (events and bookmarks): feeds the watchdog. */
  onActivity: (type: string, object: unknown) => void;
  /** The response headers arrived; the controller aborts this request. */
  onConnected: (controller: AbortController) => void;
}

/**
 * client-node's Watch with what makeInformer cannot pass: `allowWatchBookmarks`
 * (keeps the resourceVersion fresh on quiet clusters, so a reconnect rarely
 * hits 410) and a server-side `timeoutSeconds` with jitter (the apiserver ends
 * the watch cleanly and ListWatch resumes from its resourceVersion).
 */
export class BookmarkingWatch extends Watch {
  constructor(
    config: KubeConfig,
    private readonly hooks: WatchHooks,
    private readonly timeoutSeconds: number,
  ) {
    super(config);
  }

  override async watch(
    path: string,
    queryParams: Record<string, unknown>,
    callback: (phase: string, apiObj: any, watchObj?: any) => void,
    done: (err: any) => void,
  ): Promise<AbortController> {
    const params = { ...queryParams, allowWatchBookmarks: true, timeoutSeconds: this.timeoutSeconds + Math.floor(Math.random() * this.timeoutSeconds) };
    const controller = await super.watch(
      path,
      params,
      (phase, obj, raw) => {
        this.hooks.onActivity(phase, obj);
        callback(phase, obj, raw);
      },
      done,
    );
    this.hooks.onConnected(controller);
    return controller;
  }
}
