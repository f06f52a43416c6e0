import * as z from 'zod/mini';

/**
 * Claude Code's hook payloads (observed on 2.1.197). Loose objects: unknown fields are tolerated,
 * and only the fields costguard reads are declared. Tool inputs stay `unknown` here; the guards
 * narrow what they need.
 *
 * Each event's schema is built on first use: a hook process handles one event, and building all of
 * them up front cost every tool call several milliseconds of start-up.
 */
/** Free-text labels costguard stores (agent type, model, start source, end reason, compaction trigger). */
const MAX_LABEL_CHARS = 200;
const label = () => z.optional(z.pipe(z.string(), z.transform((s: string) => (s.length > MAX_LABEL_CHARS ? s.slice(0, MAX_LABEL_CHARS) : s))));

const common = () => ({
  session_id: z.string().check(z.minLength(1)),
  transcript_path: z.optional(z.string()),
  cwd: z.optional(z.string()),
  agent_id: z.optional(z.string()),
  agent_type: label(),
});

const toolCommon = () => ({
  ...common(),
  tool_name: z.string(),
  tool_input: z.optional(z.unknown()),
  tool_use_id: z.optional(z.string()),
});

const builders = {
  PreToolUse: () => z.looseObject({ ...toolCommon(), hook_event_name: z.literal('PreToolUse') }),
  PostToolUse: () =>
    z.looseObject({
      ...toolCommon(),
      hook_event_name: z.literal('PostToolUse'),
      tool_response: z.optional(z.unknown()),
      duration_ms: z.optional(z.number()),
    }),
  PostToolUseFailure: () =>
    z.looseObject({
      ...toolCommon(),
      hook_event_name: z.literal('PostToolUseFailure'),
      error: z.optional(z.unknown()),
      is_interrupt: z.optional(z.boolean()),
      duration_ms: z.optional(z.number()),
    }),
  PostToolBatch: () =>
    z.looseObject({
      ...common(),
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
  UserPromptSubmit: () => z.looseObject({ ...common(), hook_event_name: z.literal('UserPromptSubmit'), prompt: z.optional(z.string()) }),
  SessionStart: () =>
    z.looseObject({
      ...common(),
      hook_event_name: z.literal('SessionStart'),
      source: label(),
      model: label(),
    }),
  SessionEnd: () => z.looseObject({ ...common(), hook_event_name: z.literal('SessionEnd'), reason: label() }),
  SubagentStart: () => z.looseObject({ ...common(), hook_event_name: z.literal('SubagentStart') }),
  SubagentStop: () =>
    z.looseObject({
      ...common(),
      hook_event_name: z.literal('SubagentStop'),
      agent_transcript_path: z.optional(z.string()),
    }),
  PreCompact: () => z.looseObject({ ...common(), hook_event_name: z.literal('PreCompact'), trigger: label() }),
  PostCompact: () => z.looseObject({ ...common(), hook_event_name: z.literal('PostCompact'), trigger: label() }),
  Stop: () => z.looseObject({ ...common(), hook_event_name: z.literal('Stop') }),
};

type Builders = typeof builders;
export type HookEventName = keyof Builders;
export type HookPayload = { [E in HookEventName]: z.infer<ReturnType<Builders[E]>> }[HookEventName];
export type PayloadOf<E extends HookEventName> = Extract<HookPayload, { hook_event_name: E }>;

/** Events the hooks.json registers; anything else is ignored before any I/O. */
export function isHandledEvent(name: unknown): name is HookEventName {
  return typeof name === 'string' && Object.hasOwn(builders, name);
}

export type PayloadResult = { success: true; data: HookPayload } | { success: false; issues: string };

export function parsePayload(event: HookEventName, json: unknown): PayloadResult {
  const result = builders[event]().safeParse(json);
  if (result.success) return { success: true, data: result.data as HookPayload };
  const issues = result.error.issues
    .slice(0, 3)
    .map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`)
    .join('; ');
  return { success: false, issues };
}
