import { Counter, Gauge, Histogram, Registry } from 'prom-client';

/** One registry per agent instance (not prom-client's global), so tests can run several agents. */
export function createAgentMetrics() {
  const registry = new Registry();
  const admissionRequests = new Counter({
    name: 'vigil_agent_admission_requests_total',
    help: 'AdmissionReviews answered, by result (allowed, denied, exempt, failure_policy, malformed)',
    labelNames: ['result'] as const,
    registers: [registry],
  });
  const admissionDuration = new Histogram({
    name: 'vigil_agent_admission_duration_seconds',
    help: 'Time to answer an AdmissionReview',
    buckets: [0.001, 0.005, 0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers: [registry],
  });
  const decisionCache = new Counter({
    name: 'vigil_agent_decision_cache_total',
    help: 'Admission decision cache lookups by outcome (hit, miss)',
    labelNames: ['outcome'] as const,
    registers: [registry],
  });
  const platformRequests = new Histogram({
    name: 'vigil_agent_platform_request_duration_seconds',
    help: 'Platform calls by endpoint and outcome',
    labelNames: ['endpoint', 'outcome'] as const,
    buckets: [0.005, 0.01, 0.05, 0.1, 0.5, 1, 2.5, 5, 10],
    registers: [registry],
  });
  const inventoryBatches = new Counter({
    name: 'vigil_agent_inventory_batches_total',
    help: 'Inventory batches acknowledged by the platform, by kind',
    labelNames: ['kind'] as const,
    registers: [registry],
  });
  const inventoryBuffered = new Gauge({ name: 'vigil_agent_inventory_buffered_deltas', help: 'Pod deltas waiting to be sent', registers: [registry] });
  const inventoryOverflows = new Counter({ name: 'vigil_agent_inventory_overflows_total', help: 'Backlogs dropped for a snapshot', registers: [registry] });
  const inventorySuperseded = new Counter({
    name: 'vigil_agent_inventory_superseded_total',
    help: 'Times the platform refused this replica\'s inventory as of a superseded leader term (409): its sender stopped and dropped its queue',
    registers: [registry],
  });
  const watchRestarts = new Counter({
    name: 'vigil_agent_watch_restarts_total',
    help: 'Pod informer restarts by reason (error, idle, gone)',
    labelNames: ['reason'] as const,
    registers: [registry],
  });
  const commands = new Counter({
    name: 'vigil_agent_commands_total',
    help: 'Commands acknowledged, by type and outcome',
    labelNames: ['type', 'outcome'] as const,
    registers: [registry],
  });
  const handlerErrors = new Counter({
    name: 'vigil_agent_handler_errors_total',
    help: 'Exceptions caught at a loop boundary (they never stop the process)',
    labelNames: ['component'] as const,
    registers: [registry],
  });
  const leader = new Gauge({ name: 'vigil_agent_leader', help: '1 while this replica runs the leader\'s work (inventory, commands): it holds the Lease, or leader election is off; else 0', registers: [registry] });
  const leadershipChanges = new Counter({
    name: 'vigil_agent_leadership_changes_total',
    help: 'Times this replica became leader or stopped leading, by the role it changed to (leader, follower)',
    labelNames: ['to'] as const,
    registers: [registry],
  });
  const leaseErrors = new Counter({
    name: 'vigil_agent_lease_errors_total',
    help: 'Failed calls on the leader Lease by operation (get, create, update); a lost race (409) is not counted',
    labelNames: ['op'] as const,
    registers: [registry],
  });
  return { registry, leader, leadershipChanges, leaseErrors, admissionRequests, admissionDuration, decisionCache, platformRequests, inventoryBatches, inventoryBuffered, inventoryOverflows, inventorySuperseded, watchRestarts, commands, handlerErrors };
}

export type AgentMetrics = ReturnType<typeof createAgentMetrics>;
