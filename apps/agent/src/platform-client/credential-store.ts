import { chmodSync, existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { ClusterCredential, ClusterCredentialSchema } from '@vigil/agent-protocol';

/**
 * Where the agent keeps its cluster credential. Two implementations, chosen by
 * `VIGIL_CREDENTIALS_STORE`: a file (out of cluster, development, one replica)
 * and a Kubernetes Secret shared by every replica of the Deployment.
 */
export interface CredentialStore {
  /** For logs and health details: never the credential itself. */
  readonly description: string;
  load(): Promise<ClusterCredential | undefined>;
  /**
   * Stores the first credential of the cluster. Atomic across replicas: when
   * another replica stored one first, that one is returned (and must be used).
   */
  storeFirst(credential: ClusterCredential): Promise<ClusterCredential>;
  /** Replaces the stored credential (rotation). */
  replace(credential: ClusterCredential): Promise<void>;
}

export function parseCredential(raw: string, where: string): ClusterCredential {
  let json: unknown;
  try {
    json = JSON.parse(raw);
  } catch {
    throw new Error(`${where} does not hold a valid credential (not JSON); remove it to register again`);
  }
  const parsed = ClusterCredentialSchema.safeParse(json);
  if (!parsed.success) throw new Error(`${where} does not hold a valid credential; remove it to register again`);
  return parsed.data;
}

/**
 * The cluster credential on disk (VIGIL_CREDENTIALS_FILE), readable by the
 * agent's user only. Written to a temporary file and renamed, so a crash mid-write
 * never leaves a half credential that would force a re-registration.
 */
export class FileCredentialStore implements CredentialStore {
  constructor(private readonly path: string) {}

  get description(): string {
    return `file ${this.path}`;
  }

  async load(): Promise<ClusterCredential | undefined> {
    if (!existsSync(this.path)) return undefined;
    return parseCredential(readFileSync(this.path, 'utf8'), this.path);
  }

  async storeFirst(credential: ClusterCredential): Promise<ClusterCredential> {
    // One process owns the file: there is no other writer to lose a race to.
    await this.replace(credential);
    return credential;
  }

  async replace(credential: ClusterCredential): Promise<void> {
    mkdirSync(dirname(this.path), { recursive: true, mode: 0o700 });
    const tmp = `${this.path}.${process.pid}.tmp`;
    writeFileSync(tmp, JSON.stringify(credential), { mode: 0o600 });
    // The mode option is filtered by the umask; set it explicitly.
    chmodSync(tmp, 0o600);
    renameSync(tmp, this.path);
  }
}
