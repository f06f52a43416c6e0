import type { Config } from '../config/schema.js';
import { evaluateAgentTypeBudget, evaluateDailyBudget, type AgentTypeBudgetState, type DailyBudgetState } from './budgets.js';
import { evaluateContextBloat, type ContextBloatState } from './context-bloat.js';
import { evaluateDuplicateRead, type DuplicateReadInput } from './duplicate-read.js';
import { evaluateRetryStreak, type RetryStreakState } from './retry-streak.js';
import { evaluateContextThreshold, evaluateSessionCostThreshold, type ThresholdState } from './thresholds.js';
import { evaluateToolDuplication, type ToolDuplicationInput } from './tool-duplication.js';
import type { GuardName, Verdict } from './types.js';
import { evaluateUnattended, type UnattendedState } from './unattended.js';

/** What the guards see of a PreToolUse; optional parts are left out when their guard is off. */
export interface PreToolUseState {
  retry: RetryStreakState;
  /** Undefined when the call reads nothing we can describe. */
  duplicateRead: DuplicateReadInput | undefined;
  toolDuplication: ToolDuplicationInput | undefined;
  thresholds: ThresholdState;
  contextBloat: ContextBloatState | undefined;
  unattended: UnattendedState | undefined;
  dailyBudget: DailyBudgetState | undefined;
  agentTypeBudget: AgentTypeBudgetState | undefined;
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
    state.toolDuplication && evaluateToolDuplication(state.toolDuplication, config.toolDuplication),
    evaluateContextThreshold(state.thresholds, config.context),
    evaluateSessionCostThreshold(state.thresholds, config.sessionCost),
    state.contextBloat && evaluateContextBloat(state.contextBloat, config.detectors.contextBloat),
    state.unattended && evaluateUnattended(state.unattended, config.unattended),
    state.dailyBudget && evaluateDailyBudget(state.dailyBudget, config.budgets.daily),
    state.agentTypeBudget && evaluateAgentTypeBudget(state.agentTypeBudget, config.budgets.agentType),
  ];
  return verdicts.filter((v): v is Verdict => v !== undefined);
}

export interface CombinedVerdict {
  deny?: string;
  context?: string;
  /** The guards behind the outcome, and the message recorded with the call. */
  guards: GuardName[];
  message?: string;
}

/** Any denial wins and carries every denial's reason; otherwise warnings are joined; `log` verdicts are only recorded. */
export function combineVerdicts(verdicts: readonly Verdict[]): CombinedVerdict {
  const denials = verdicts.filter((v) => v.deny);
  if (denials.length > 0) {
    const deny = denials.map((v) => v.deny).join('\n\n');
    return { deny, guards: denials.map((v) => v.guard), message: deny };
  }
  const warnings = verdicts.filter((v) => v.context);
  const logged = verdicts.filter((v) => v.log);
  const guards = [...warnings, ...logged].map((v) => v.guard);
  if (guards.length === 0) return { guards };
  const context = warnings.length > 0 ? warnings.map((v) => v.context).join('\n\n') : undefined;
  const message = [...warnings.map((v) => v.context), ...logged.map((v) => v.log)].join('\n\n');
  return context ? { context, guards, message } : { guards, message };
}
