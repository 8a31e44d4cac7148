import { z } from 'zod';
import { DnsLabelSchema, IdSchema, MessageTextSchema, TimestampSchema, WorkloadOwnerSchema } from './common.schema';
import { PROTOCOL_LIMITS } from './limits';
import { ClusterCredentialSchema } from './register.schema';

const commandBase = {
  id: IdSchema,
  issuedAt: TimestampSchema,
  /** The agent acks an expired command as `expired` instead of running it late. */
  expiresAt: TimestampSchema.optional(),
};

/** Delete the pods of a workload that violates an enforcing policy that asked for it. */
export const DeletePodsCommandSchema = z.object({
  ...commandBase,
  type: z.literal('delete-pods'),
  params: z.object({
    namespace: DnsLabelSchema,
    workload: WorkloadOwnerSchema,
    /** Shown in the agent's log and the Kubernetes event it records. */
    reason: MessageTextSchema,
  }),
});
export type DeletePodsCommand = z.infer<typeof DeletePodsCommandSchema>;

/**
 * Hands the agent its next credential. The old one stays valid until the
 * platform sees a request signed with the new one (or it expires), so no request
 * fails mid-rotation.
 */
export const RotateCredentialCommandSchema = z.object({
  ...commandBase,
  type: z.literal('rotate-credential'),
  params: ClusterCredentialSchema,
});
export type RotateCredentialCommand = z.infer<typeof RotateCredentialCommandSchema>;

/** A type this agent build does not know: it acks `unsupported` rather than failing the poll. */
export const UnknownCommandSchema = z.object({
  ...commandBase,
  type: z.string().min(1).max(64),
  params: z.unknown().optional(),
});
export type UnknownCommand = z.infer<typeof UnknownCommandSchema>;

const KNOWN_COMMANDS = {
  'delete-pods': DeletePodsCommandSchema,
  'rotate-credential': RotateCredentialCommandSchema,
} as const;
export type KnownCommand = DeletePodsCommand | RotateCredentialCommand;
export type KnownCommandType = KnownCommand['type'];

export function isKnownCommand(command: Command): command is KnownCommand {
  return Object.prototype.hasOwnProperty.call(KNOWN_COMMANDS, command.type);
}

/**
 * Dispatch on `type` by hand: a zod union would report every branch's errors for
 * one bad field, and a discriminated union cannot fall back to "unknown type".
 */
export const CommandSchema = z
  .object({ type: z.string() })
  .loose()
  .transform((input, ctx): KnownCommand | UnknownCommand => {
    const schema: z.ZodType<KnownCommand | UnknownCommand> = Object.prototype.hasOwnProperty.call(KNOWN_COMMANDS, input.type)
      ? KNOWN_COMMANDS[input.type as KnownCommandType]
      : UnknownCommandSchema;
    const parsed = schema.safeParse(input);
    if (parsed.success) return parsed.data;
    for (const issue of parsed.error.issues) ctx.addIssue({ code: 'custom', message: issue.message, path: issue.path });
    return z.NEVER;
  });
export type Command = z.output<typeof CommandSchema>;

/** GET /v1/agent/commands (signed) → pending commands, oldest first. */
export const CommandListResponseSchema = z.object({
  commands: z.array(CommandSchema).max(PROTOCOL_LIMITS.maxCommandsPerList),
});
export type CommandListResponse = z.output<typeof CommandListResponseSchema>;

export const CommandOutcomeSchema = z.enum(['succeeded', 'failed', 'unsupported', 'rejected', 'expired']);
export type CommandOutcome = z.infer<typeof CommandOutcomeSchema>;

/** POST /v1/agent/commands/:id/ack (signed). Idempotent: acking twice keeps the first outcome. */
export const CommandAckRequestSchema = z.strictObject({
  agentId: IdSchema,
  outcome: CommandOutcomeSchema,
  message: MessageTextSchema.optional(),
  /** e.g. how many pods were deleted. */
  affectedCount: z.number().int().min(0).max(1_000_000).optional(),
  completedAt: TimestampSchema,
});
export type CommandAckRequest = z.infer<typeof CommandAckRequestSchema>;

export const CommandAckResponseSchema = z.object({
  id: IdSchema,
  /** The stored outcome: on a repeated ack, the first one. */
  outcome: CommandOutcomeSchema,
});
export type CommandAckResponse = z.infer<typeof CommandAckResponseSchema>;
