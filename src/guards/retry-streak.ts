import type { Config } from '../config/schema.js';
import { FAILED_OUTCOMES, type CallRecord, type Verdict } from './types.js';

export interface RetryStreakState {
  /** 'main' or the subagent's id: each agent has its own streak. */
  agentKey: string;
  /**
   * This agent's completed calls since the user's last prompt, newest first. Calls costguard
   * denied and calls still pending are left out by the caller: they neither fail nor succeed.
   */
  recentCalls: readonly CallRecord[];
}

/** Counts the failures at the head of `recentCalls` (newest first). */
export function countFailureStreak(recentCalls: readonly CallRecord[]): CallRecord[] {
  const streak: CallRecord[] = [];
  for (const call of recentCalls) {
    if (call.outcome === 'interrupted') continue; // the user stopped it: says nothing about the tool
    if (!FAILED_OUTCOMES.has(call.outcome)) break;
    streak.push(call);
  }
  return streak;
}

function describeFailure(call: CallRecord): string {
  const how = call.outcome === 'rejected' ? 'rejected before running' : 'failed';
  const error = call.error ? `: ${call.error.replace(/\s+/g, ' ').slice(0, 160)}` : '';
  return `- ${call.toolName} \`${call.summary.slice(0, 120)}\` ${how}${error}`;
}

export function evaluateRetryStreak(state: RetryStreakState, config: Config['retryStreak']): Verdict | undefined {
  if (config.action === 'off') return undefined;
  const streak = countFailureStreak(state.recentCalls);
  if (streak.length < config.limit) return undefined;
  const shown = streak.slice(0, Math.max(config.limit, 5)).reverse();
  const list = shown.map(describeFailure).join('\n');
  const head = `costguard: your last ${streak.length} tool calls failed in a row:\n${list}\n`;
  if (config.action === 'warn') {
    return {
      guard: 'retryStreak',
      context:
        `${head}Each retry re-sends the whole conversation. Do not retry the same thing again: ` +
        `change your approach, or stop and tell the user what is failing.`,
      onceKey: `retryStreak:${state.agentKey}:${streak[0]?.toolUseId ?? ''}`,
    };
  }
  return {
    guard: 'retryStreak',
    deny:
      `${head}costguard has blocked further tool calls (retry limit ${config.limit}): each retry re-sends the ` +
      `whole conversation and this is turning into a retry storm. Stop calling tools. Reply to the user now: ` +
      `say what you were trying to do, which calls failed and with what error, and what you need from them. ` +
      `Tool calls are allowed again after the user's next message.`,
  };
}
