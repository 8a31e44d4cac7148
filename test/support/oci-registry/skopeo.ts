import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

/**
 * `skopeo copy` from an OCI layout directory into a plain-HTTP registry
 * (needs `apt-get install -y skopeo`). `--all` keeps a multi-arch index whole.
 */
export async function skopeoCopyFromLayout(layoutDir: string, tag: string, destination: string): Promise<void> {
  await promisify(execFile)(
    'skopeo',
    ['--insecure-policy', 'copy', '--all', '--preserve-digests', '--dest-tls-verify=false', `oci:${layoutDir}:${tag}`, `docker://${destination}`],
    { timeout: 60_000 },
  );
}
