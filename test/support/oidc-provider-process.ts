import { ChildProcess, spawn } from 'node:child_process';
import { createServer } from 'node:net';
import path from 'node:path';

export const OIDC_CLIENT_ID = 'vigil';
export const OIDC_CLIENT_SECRET = 'vigil-test-client-secret';

/** Starts the real OIDC provider in its own process and returns its issuer URL. */
export async function startOidcProvider(redirectUri: string): Promise<{ issuer: string; stop: () => Promise<void> }> {
  const child: ChildProcess = spawn(process.execPath, [path.join(__dirname, 'oidc-provider.mjs')], {
    env: { ...process.env, REDIRECT_URI: redirectUri, CLIENT_ID: OIDC_CLIENT_ID, CLIENT_SECRET: OIDC_CLIENT_SECRET },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr!.on('data', (d) => (stderr += d));
  const issuer = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`OIDC provider did not start: ${stderr}`)), 15000);
    child.stdout!.once('data', (d) => {
      clearTimeout(timer);
      resolve(JSON.parse(String(d).split('\n')[0]).issuer);
    });
    child.once('exit', (code) => reject(new Error(`OIDC provider exited with ${code}: ${stderr}`)));
  });
  return {
    issuer,
    stop: () =>
      new Promise((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}

/** A free TCP port on loopback, for a server whose URL must be known before it starts. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}
