import * as z from 'zod/mini';

/**
 * Claude Code's hook payloads (observed on 2.1.197). Loose objects: unknown fields are tolerated,
 * and only the fields costguard reads are declared. Tool inputs stay `unknown` here; the guards
 * narrow what they need.
 */
const common = {
  session_id: z.string().check(z.minLength(1)),
  transcript_path: z.optional(z.string()),
  cwd: z.optional(z.string()),
  agent_id: z.optional(z.string()),
  agent_type: z.optional(z.string()),
};

const toolCommon = {
  ...common,
  tool_name: z.string(),
  tool_input: z.optional(z.unknown()),
  tool_use_id: z.optional(z.string()),
};

export const hookPayloadSchema = z.discriminatedUnion('hook_event_name', [
  z.looseObject({ ...toolCommon, hook_event_name: z.literal('PreToolUse') }),
  z.looseObject({
    ...toolCommon,
    hook_event_name: z.literal('PostToolUse'),
    tool_response: z.optional(z.unknown()),
    duration_ms: z.optional(z.number()),
  }),
  z.looseObject({
    ...toolCommon,
    hook_event_name: z.literal('PostToolUseFailure'),
    error: z.optional(z.unknown()),
    is_interrupt: z.optional(z.boolean()),
    duration_ms: z.optional(z.number()),
  }),
  z.looseObject({
    ...common,
    hook_event_name: z.literal('PostToolBatch'),
    tool_calls: z.optional(
      z.array(
        z.looseObject({
          tool_name: z.optional(z.string()),
          tool_input: z.optional(z.unknown()),
          tool_use_id: z.optional(z.string()),
          tool_response: z.optional(z.unknown()),
        }),
      ),
    ),
  }),
  z.looseObject({ ...common, hook_event_name: z.literal('UserPromptSubmit'), prompt: z.optional(z.string()) }),
  z.looseObject({
    ...common,
    hook_event_name: z.literal('SessionStart'),
    source: z.optional(z.string()),
    model: z.optional(z.string()),
  }),
  z.looseObject({ ...common, hook_event_name: z.literal('SessionEnd'), reason: z.optional(z.string()) }),
  z.looseObject({ ...common, hook_event_name: z.literal('SubagentStart') }),
  z.looseObject({
    ...common,
    hook_event_name: z.literal('SubagentStop'),
    agent_transcript_path: z.optional(z.string()),
  }),
  z.looseObject({ ...common, hook_event_name: z.literal('PreCompact'), trigger: z.optional(z.string()) }),
  z.looseObject({ ...common, hook_event_name: z.literal('PostCompact'), trigger: z.optional(z.string()) }),
  z.looseObject({ ...common, hook_event_name: z.literal('Stop') }),
]);

export type HookPayload = z.infer<typeof hookPayloadSchema>;
export type HookEventName = HookPayload['hook_event_name'];
export type PayloadOf<E extends HookEventName> = Extract<HookPayload, { hook_event_name: E }>;

/** Events the hooks.json registers; anything else is ignored before any I/O. */
export const HANDLED_EVENTS: ReadonlySet<string> = new Set<HookEventName>([
  'PreToolUse',
  'PostToolUse',
  'PostToolUseFailure',
  'PostToolBatch',
  'UserPromptSubmit',
  'SessionStart',
  'SessionEnd',
  'SubagentStart',
  'SubagentStop',
  'PreCompact',
  'PostCompact',
  'Stop',
]);
