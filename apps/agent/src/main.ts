import { loadConfigOrExit, parseEnv } from '@vigil/shared/config';
import { agentIdSuffix, defaultHostname, startAgent } from './agent-app';
import { agentEnvSchema, resolveAgentConfig } from './agent-config';

/** The in-cluster agent process: validated configuration, then the four loops and the HTTPS server. */
async function main(): Promise<void> {
  const config = loadConfigOrExit(() => resolveAgentConfig(parseEnv(agentEnvSchema, process.env), defaultHostname(), agentIdSuffix()));
  const agent = await startAgent(config);
  const shutdown = () => {
    agent.stop().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.once('SIGTERM', shutdown);
  process.once('SIGINT', shutdown);
}

// A handler that throws is caught at its loop; anything that still escapes is logged, not fatal.
process.on('unhandledRejection', (reason) => process.stderr.write(`unhandled rejection: ${String((reason as Error)?.stack ?? reason)}\n`));

main().catch((error: unknown) => {
  process.stderr.write(`${(error as Error).message}\n`);
  process.exit(78);
});
