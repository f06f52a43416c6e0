/** How a recorded tool call ended. */
export type Outcome =
  | 'pending' // PreToolUse seen, no result yet
  | 'ok'
  | 'error' // ran and failed (PostToolUseFailure, or is_error in the transcript)
  | 'rejected' // never ran: Claude Code refused it (unknown tool, Edit of a missing file)
  | 'denied' // costguard (or another hook) denied it at PreToolUse
  | 'interrupted' // the user interrupted it
  | 'unchanged'; // Claude Code's own "file unchanged" stub for a re-Read

export const FAILED_OUTCOMES: ReadonlySet<Outcome> = new Set<Outcome>(['error', 'rejected']);

export interface CallRecord {
  toolUseId: string;
  toolName: string;
  /** Normalized, redacted, bounded description of the input (e.g. the Bash command). */
  summary: string;
  outcome: Outcome;
  error?: string | undefined;
}

export type GuardName =
  | 'retryStreak'
  | 'duplicateRead'
  | 'toolDuplication'
  | 'contextThreshold'
  | 'contextBloat'
  | 'sessionCostThreshold'
  | 'unattended'
  | 'dailyBudget'
  | 'agentTypeBudget';

export interface Verdict {
  guard: GuardName;
  /** Deny the tool call with this reason (reaches the model as the tool's error result). */
  deny?: string;
  /** Tell the model this (additionalContext). */
  context?: string;
  /** Record only (action `log`): no output, but the call is marked with the guard and this message. */
  log?: string;
  /**
   * A warning is given once per key: the caller records the key and drops the warning when it was
   * already given. Denials carry no key: they repeat for every call.
   */
  onceKey?: string;
}
