/** What a hook prints on stdout: the only JSON Claude Code reads from us. */
export interface HookOutput {
  hookSpecificOutput?: {
    hookEventName: string;
    permissionDecision?: 'deny';
    permissionDecisionReason?: string;
    additionalContext?: string;
  };
  /** Shown to the user only, never to the model. */
  systemMessage?: string;
}

/** Events whose hookSpecificOutput.additionalContext reaches the model (observed on 2.1.197). */
const CONTEXT_EVENTS: ReadonlySet<string> = new Set([
  'PreToolUse',
  'PostToolUse',
  'PostToolUseFailure',
  'PostToolBatch',
  'SessionStart',
  'UserPromptSubmit',
]);

export function buildOutput(
  event: string,
  verdict: { deny?: string; context?: string },
  userNotices: readonly string[],
): HookOutput | undefined {
  const out: HookOutput = {};
  if (event === 'PreToolUse' && verdict.deny) {
    out.hookSpecificOutput = {
      hookEventName: event,
      permissionDecision: 'deny',
      permissionDecisionReason: verdict.deny,
    };
  } else if (verdict.context && CONTEXT_EVENTS.has(event)) {
    out.hookSpecificOutput = { hookEventName: event, additionalContext: verdict.context };
  }
  if (userNotices.length > 0) out.systemMessage = userNotices.join('\n');
  return out.hookSpecificOutput || out.systemMessage ? out : undefined;
}
