import type { Config } from '../config/schema.js';
import type { Verdict } from './types.js';

export interface ThresholdState {
  agentKey: string;
  /** This agent's context: input + cache tokens of its latest API response (undefined before the first). */
  contextTokens: number | undefined;
  /** Whole session, subagents included; priced responses only. */
  sessionCostUsd: number;
  /** Responses whose model has no price: the cost above is a lower bound. */
  unpricedResponses: number;
  /** Bumped at each compaction, so the context warning re-arms once the context was shrunk. */
  compactions: number;
}

const fmtTokens = (n: number) => `${Math.round(n / 1000).toLocaleString('en-US')}k tokens`;
const fmtUsd = (n: number) => `$${n.toFixed(2)}`;

export function evaluateContextThreshold(state: ThresholdState, config: Config['context']): Verdict | undefined {
  const tokens = state.contextTokens;
  if (tokens === undefined) return undefined;
  if (config.blockTokens !== null && tokens >= config.blockTokens) {
    return {
      guard: 'contextThreshold',
      deny:
        `costguard: this conversation's context is ${fmtTokens(tokens)}, past the limit of ${fmtTokens(config.blockTokens)} ` +
        `(context.blockTokens). Every further turn re-sends all of it, so tool calls are blocked. Stop calling tools: ` +
        `summarize your progress and what is left for the user, and suggest /compact or a fresh session.`,
    };
  }
  if (config.warnTokens !== null && tokens >= config.warnTokens) {
    return {
      guard: 'contextThreshold',
      context:
        `costguard: this conversation's context has reached ${fmtTokens(tokens)} (warning at ${fmtTokens(config.warnTokens)}). ` +
        `Every turn re-sends it. Avoid reading large files or outputs you do not need; prefer targeted reads and searches.`,
      onceKey: `contextWarn:${state.agentKey}:${state.compactions}`,
    };
  }
  return undefined;
}

export function evaluateSessionCostThreshold(state: ThresholdState, config: Config['sessionCost']): Verdict | undefined {
  const cost = state.sessionCostUsd;
  const lowerBound = state.unpricedResponses > 0 ? ` (at least: ${state.unpricedResponses} responses are from unpriced models)` : '';
  if (config.blockUsd !== null && cost >= config.blockUsd) {
    return {
      guard: 'sessionCostThreshold',
      deny:
        `costguard: this session has cost ${fmtUsd(cost)}${lowerBound}, past the limit of ${fmtUsd(config.blockUsd)} ` +
        `(sessionCost.blockUsd), so tool calls are blocked. Stop calling tools: summarize your progress and what is ` +
        `left for the user, who can raise the limit or start a fresh session.`,
    };
  }
  if (config.warnUsd !== null && cost >= config.warnUsd) {
    return {
      guard: 'sessionCostThreshold',
      context:
        `costguard: this session has cost ${fmtUsd(cost)}${lowerBound} so far (warning at ${fmtUsd(config.warnUsd)}). ` +
        `Work economically: avoid repeated reads, retries and large outputs.`,
      onceKey: 'sessionCostWarn',
    };
  }
  return undefined;
}
