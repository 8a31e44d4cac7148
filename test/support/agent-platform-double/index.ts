export { AgentPlatformDouble } from "./agent-platform-double";
