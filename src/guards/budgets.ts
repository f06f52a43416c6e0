import type { Config } from '../config/schema.js';
import type { Verdict } from './types.js';

type Action = 'block' | 'warn' | 'log';

function act(guard: Verdict['guard'], action: Action, text: string, onceKey: string): Verdict {
  switch (action) {
    case 'block':
      return { guard, deny: `${text} Tool calls are blocked: stop, summarize your progress for the user and what is left.` };
    case 'warn':
      return { guard, context: `${text} Work economically: avoid repeated reads, retries and large outputs.`, onceKey };
    case 'log':
      return { guard, log: text, onceKey };
    default:
      action satisfies never;
      return { guard, log: text };
  }
}

const usd = (n: number) => `$${n.toFixed(2)}`;

export interface DailyBudgetState {
  /** UTC day, YYYY-MM-DD. */
  day: string;
  /** Spent today across all sessions (this one included). */
  spentUsd: number;
  /** Share of the UTC day elapsed, 0..1. */
  dayElapsed: number;
}

export function evaluateDailyBudget(state: DailyBudgetState, config: Config['budgets']['daily']): Verdict | undefined {
  const limit = config.usd;
  if (limit === null) return undefined;
  const share = state.spentUsd / limit;
  if (share >= 1) {
    return act('dailyBudget', config.action, `costguard: today's spend across all sessions is ${usd(state.spentUsd)}, past the daily budget of ${usd(limit)} (budgets.daily.usd).`, `dailyBudget:${state.day}`);
  }
  // Pro rata: half the budget gone by 06:00 UTC is a pace that ends the day far over it.
  if (config.proRataFactor !== null && share >= 0.25 && share > config.proRataFactor * state.dayElapsed) {
    const v = act(
      'dailyBudget',
      config.action === 'block' ? 'warn' : config.action,
      `costguard: ${Math.round(share * 100)}% of today's budget (${usd(state.spentUsd)} of ${usd(limit)}) is spent with ${Math.round(state.dayElapsed * 100)}% of the day gone.`,
      `dailyBudgetEarly:${state.day}`,
    );
    return v;
  }
  return undefined;
}

export interface AgentTypeBudgetState {
  /** The type of the agent making this call: "main" or a subagent type. */
  agentType: string;
  /** What agents of this type have cost in this session. */
  spentUsd: number;
}

export function evaluateAgentTypeBudget(state: AgentTypeBudgetState, config: Config['budgets']['agentType']): Verdict | undefined {
  const limit = config.usd[state.agentType];
  if (limit === undefined || state.spentUsd < limit) return undefined;
  return act(
    'agentTypeBudget',
    config.action,
    `costguard: "${state.agentType}" agents have cost ${usd(state.spentUsd)} in this session, past their budget of ${usd(limit)} (budgets.agentType.usd).`,
    `agentTypeBudget:${state.agentType}`,
  );
}
