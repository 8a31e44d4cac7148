export type HealthState = 'ok' | 'degraded' | 'down';

export interface ComponentStatus {
  state: HealthState;
  detail?: string;
  since: string;
}

export type ComponentName = 'admission' | 'inventory' | 'commands' | 'platform-client' | 'leader-election';

/**
 * One health signal per loop (STYLE habit 11). `down` makes /readyz fail;
 * `degraded` is reported but keeps the replica ready, because admission still
 * answers (by the failure policy) when, say, the platform is unreachable.
 */
export class HealthRegistry {
  private readonly components = new Map<ComponentName, ComponentStatus>();

  set(name: ComponentName, state: HealthState, detail?: string): void {
    const current = this.components.get(name);
    if (current && current.state === state && current.detail === detail) return;
    this.components.set(name, { state, detail, since: current?.state === state ? current.since : new Date().toISOString() });
  }

  get(name: ComponentName): ComponentStatus | undefined {
    return this.components.get(name);
  }

  snapshot(): { ready: boolean; components: Record<string, ComponentStatus> } {
    const components = Object.fromEntries(this.components);
    return { ready: [...this.components.values()].every((c) => c.state !== 'down'), components };
  }
}
