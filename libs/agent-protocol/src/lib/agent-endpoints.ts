import type { z } from 'zod';
import { AdmissionRequestSchema, AdmissionResponseSchema } from './admission.schema';
import {
  CommandAckRequestSchema,
  CommandAckResponseSchema,
  CommandListResponseSchema,
} from './commands.schema';
import { HeartbeatRequestSchema, HeartbeatResponseSchema } from './heartbeat.schema';
import { InventoryBatchSchema, InventoryResponseSchema } from './inventory.schema';
import { RegisterRequestSchema, RegisterResponseSchema } from './register.schema';

interface EndpointDefinition {
  method: 'GET' | 'POST';
  /** Express-style; `:id` is substituted by `agentEndpointPath`. */
  path: string;
  /** Register is the one unsigned call: the registration token is its proof. */
  signed: boolean;
  request: z.ZodType | null;
  response: z.ZodType;
}

/** Routes and message types in one place, so the controller and the client cannot drift. */
export const AGENT_ENDPOINTS = {
  register: { method: 'POST', path: '/v1/agent/register', signed: false, request: RegisterRequestSchema, response: RegisterResponseSchema },
  heartbeat: { method: 'POST', path: '/v1/agent/heartbeat', signed: true, request: HeartbeatRequestSchema, response: HeartbeatResponseSchema },
  inventory: { method: 'POST', path: '/v1/agent/inventory', signed: true, request: InventoryBatchSchema, response: InventoryResponseSchema },
  admission: { method: 'POST', path: '/v1/agent/admission', signed: true, request: AdmissionRequestSchema, response: AdmissionResponseSchema },
  listCommands: { method: 'GET', path: '/v1/agent/commands', signed: true, request: null, response: CommandListResponseSchema },
  ackCommand: { method: 'POST', path: '/v1/agent/commands/:id/ack', signed: true, request: CommandAckRequestSchema, response: CommandAckResponseSchema },
} as const satisfies Record<string, EndpointDefinition>;
export type AgentEndpointName = keyof typeof AGENT_ENDPOINTS;

/** The concrete path (what gets signed), with `:id` encoded. */
export function agentEndpointPath(name: AgentEndpointName, params: { id?: string } = {}): string {
  const template: string = AGENT_ENDPOINTS[name].path;
  if (!template.includes(':id')) return template;
  if (!params.id) throw new TypeError(`agentEndpointPath: ${name} needs an id`);
  return template.replace(':id', encodeURIComponent(params.id));
}
