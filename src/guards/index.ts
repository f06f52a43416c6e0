import type { Config } from '../config/schema.js';
import { evaluateDuplicateRead, type DuplicateReadInput } from './duplicate-read.js';
import { evaluateRetryStreak, type RetryStreakState } from './retry-streak.js';
import { evaluateContextThreshold, evaluateSessionCostThreshold, type ThresholdState } from './thresholds.js';
import type { GuardName, Verdict } from './types.js';

export interface PreToolUseState {
  retry: RetryStreakState;
  /** Undefined when the call reads nothing we can describe. */
  duplicateRead: DuplicateReadInput | undefined;
  thresholds: ThresholdState;
}

/** The guard registry for PreToolUse: a new guard is one file and one line here. */
export function evaluatePreToolUse(
  state: PreToolUseState,
  config: Config,
  isIgnored: (path: string, cwd: string | undefined) => boolean,
): Verdict[] {
  const verdicts = [
    evaluateRetryStreak(state.retry, config.retryStreak),
    state.duplicateRead && evaluateDuplicateRead(state.duplicateRead, config.duplicateReads, isIgnored),
    evaluateContextThreshold(state.thresholds, config.context),
    evaluateSessionCostThreshold(state.thresholds, config.sessionCost),
  ];
  return verdicts.filter((v): v is Verdict => v !== undefined);
}

export interface CombinedVerdict {
  deny?: string;
  context?: string;
  guards: GuardName[];
}

/** Any denial wins and carries every denial's reason; otherwise the warnings are joined. */
export function combineVerdicts(verdicts: readonly Verdict[]): CombinedVerdict {
  const denials = verdicts.filter((v) => v.deny);
  if (denials.length > 0) {
    return { deny: denials.map((v) => v.deny).join('\n\n'), guards: denials.map((v) => v.guard) };
  }
  const warnings = verdicts.filter((v) => v.context);
  if (warnings.length > 0) {
    return { context: warnings.map((v) => v.context).join('\n\n'), guards: warnings.map((v) => v.guard) };
  }
  return { guards: [] };
}
