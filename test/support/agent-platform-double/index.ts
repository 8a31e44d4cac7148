// Moved to tools/simulated-cluster (the agent benchmark runs it from dist/); kept so older imports still resolve.
export { AgentPlatformDouble } from '../../../tools/simulated-cluster';
