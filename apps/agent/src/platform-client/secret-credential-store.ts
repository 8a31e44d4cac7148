import type { CoreV1Api, V1Secret } from '@kubernetes/client-node';
import type { ClusterCredential } from '@vigil/agent-protocol';
import { kubeStatusOf, withTimeout } from '../kube/kube-access';
import { CredentialStore, parseCredential } from './credential-store';

/** The one key of the Secret: the credential as JSON, the same document as the credentials file. */
export const CREDENTIAL_SECRET_KEY = 'credential.json';

/** Optimistic-concurrency retries of a rotation before giving up (each re-reads the Secret). */
const MAX_UPDATE_ATTEMPTS = 5;

export interface SecretCredentialStoreOptions {
  core: CoreV1Api;
  namespace: string;
  name: string;
  timeoutMs: number;
}

/**
 * The cluster credential in a Kubernetes Secret of the agent's namespace, shared
 * by every replica. The apiserver makes it safe without a lock: `create` is
 * atomic (409 AlreadyExists for every replica but the first), and `replace`
 * carries the resourceVersion it read, so concurrent rotations cannot overwrite
 * each other blindly (409 Conflict → read again). RBAC (chart): get/update on
 * this one Secret by name; create in the namespace (RBAC cannot restrict create
 * by name).
 */
export class SecretCredentialStore implements CredentialStore {
  constructor(private readonly o: SecretCredentialStoreOptions) {}

  get description(): string {
    return `secret ${this.o.namespace}/${this.o.name}`;
  }

  async load(): Promise<ClusterCredential | undefined> {
    return (await this.read())?.credential;
  }

  async storeFirst(credential: ClusterCredential): Promise<ClusterCredential> {
    try {
      await withTimeout(this.o.core.createNamespacedSecret({ namespace: this.o.namespace, body: this.secret(credential) }), this.o.timeoutMs, 'create secret');
      return credential;
    } catch (error) {
      if (kubeStatusOf(error) !== 409) throw error;
      // Another replica stored its credential first: that one is the cluster's.
      const theirs = await this.read();
      if (!theirs) throw new Error(`${this.description}: create said AlreadyExists but the Secret cannot be read`);
      return theirs.credential;
    }
  }

  async replace(credential: ClusterCredential): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      const current = await this.read();
      if (!current) {
        // Deleted by someone: recreate it rather than lose the rotation.
        const stored = await this.storeFirst(credential);
        if (stored.keyId === credential.keyId) return;
        continue;
      }
      // Another replica already applied this rotation (every replica receives the command).
      if (current.credential.keyId === credential.keyId && current.credential.secret === credential.secret) return;
      try {
        const body = this.secret(credential, current.resourceVersion);
        await withTimeout(this.o.core.replaceNamespacedSecret({ name: this.o.name, namespace: this.o.namespace, body }), this.o.timeoutMs, 'replace secret');
        return;
      } catch (error) {
        if (kubeStatusOf(error) !== 409 || attempt >= MAX_UPDATE_ATTEMPTS) throw error;
      }
    }
  }

  private async read(): Promise<{ credential: ClusterCredential; resourceVersion?: string } | undefined> {
    let secret: V1Secret;
    try {
      secret = await withTimeout(this.o.core.readNamespacedSecret({ name: this.o.name, namespace: this.o.namespace }), this.o.timeoutMs, 'get secret');
    } catch (error) {
      if (kubeStatusOf(error) === 404) return undefined;
      throw error;
    }
    const encoded = secret.data?.[CREDENTIAL_SECRET_KEY];
    if (!encoded) throw new Error(`${this.description} has no "${CREDENTIAL_SECRET_KEY}" key; delete the Secret to register again`);
    return { credential: parseCredential(Buffer.from(encoded, 'base64').toString('utf8'), this.description), resourceVersion: secret.metadata?.resourceVersion };
  }

  private secret(credential: ClusterCredential, resourceVersion?: string): V1Secret {
    return {
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: {
        name: this.o.name,
        namespace: this.o.namespace,
        ...(resourceVersion ? { resourceVersion } : {}),
        labels: { 'app.kubernetes.io/name': 'vigil-agent', 'app.kubernetes.io/component': 'credential' },
      },
      type: 'Opaque',
      data: { [CREDENTIAL_SECRET_KEY]: Buffer.from(JSON.stringify(credential), 'utf8').toString('base64') },
    };
  }
}
