import { chmodSync, existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { ClusterCredential, ClusterCredentialSchema } from '@vigil/agent-protocol';

/**
 * The cluster credential on disk (VIGIL_CREDENTIALS_FILE), readable by the
 * agent's user only. Written to a temporary file and renamed, so a crash mid-write
 * never leaves a half credential that would force a re-registration.
 */
export class FileCredentialStore {
  constructor(private readonly path: string) {}

  load(): ClusterCredential | undefined {
    if (!existsSync(this.path)) return undefined;
    const parsed = ClusterCredentialSchema.safeParse(JSON.parse(readFileSync(this.path, 'utf8')));
    if (!parsed.success) throw new Error(`${this.path} does not hold a valid credential; remove it to register again`);
    return parsed.data;
  }

  save(credential: ClusterCredential): void {
    mkdirSync(dirname(this.path), { recursive: true, mode: 0o700 });
    const tmp = `${this.path}.${process.pid}.tmp`;
    writeFileSync(tmp, JSON.stringify(credential), { mode: 0o600 });
    // The mode option is filtered by the umask; set it explicitly.
    chmodSync(tmp, 0o600);
    renameSync(tmp, this.path);
  }
}
