import type { DrainFinding, Reprice, ResponseFact, SessionFact } from './types.js';

export interface MisallocationConfig {
  /** Models considered expensive (matched against the model id). */
  expensiveModels: string;
  /** A cheaper tier to price mechanical turns at. */
  cheaperModel: string;
  /** A turn writing more than this is doing real work, not mechanics. */
  maxOutputTokens: number;
}

export const MISALLOCATION_DEFAULTS: MisallocationConfig = { expensiveModels: 'opus', cheaperModel: 'claude-haiku-4-5', maxOutputTokens: 300 };

const READ_ONLY_TOOLS = new Set(['Read', 'Glob', 'Grep', 'LS', 'WebSearch', 'WebFetch', 'TodoWrite']);
const SIMPLE_COMMAND = /^\s*(?:ls|cat|head|tail|grep|rg|find|wc|pwd|echo|tree|file|stat|which|git\s+(?:status|log|diff|show|branch))\b/;

/** A turn that only reads, searches or runs a simple command, and writes little. */
export function isMechanical(r: ResponseFact, maxOutputTokens: number): boolean {
  if (r.tools.length === 0 || r.outputTokens > maxOutputTokens) return false;
  return r.tools.every((t) => {
    if (READ_ONLY_TOOLS.has(t.name)) return true;
    const command = (t.input as { command?: unknown } | null)?.command;
    return t.name === 'Bash' && typeof command === 'string' && SIMPLE_COMMAND.test(command) && !/[>;&|]/.test(command.replace(/2>&1|2>\/dev\/null/g, ''));
  });
}

/**
 * Mechanical turns on an expensive model, per agent: dollars = what they cost minus what the same
 * tokens cost on the cheaper tier.
 */
export function detectModelMisallocation(session: SessionFact, reprice: Reprice, config: MisallocationConfig = MISALLOCATION_DEFAULTS): DrainFinding[] {
  const expensive = new RegExp(config.expensiveModels, 'i');
  const byAgent = new Map<string, { turns: number; actual: number; cheaper: number; examples: string[] }>();
  for (const r of session.responses) {
    if (!expensive.test(r.model) || r.costUsd === null || !isMechanical(r, config.maxOutputTokens)) continue;
    const cheaper = reprice(r, config.cheaperModel);
    if (cheaper === undefined || cheaper >= r.costUsd) continue;
    const a = byAgent.get(r.agent) ?? { turns: 0, actual: 0, cheaper: 0, examples: [] };
    a.turns++;
    a.actual += r.costUsd;
    a.cheaper += cheaper;
    if (a.examples.length < 3) a.examples.push(`${r.timestamp} ${r.model}: ${r.tools.map((t) => t.name).join(', ')} (${r.outputTokens} output tokens)`);
    byAgent.set(r.agent, a);
  }
  return [...byAgent].map(([agent, a]) => ({
    driver: 'modelMisallocation',
    sessionId: session.sessionId,
    agent,
    usd: a.actual - a.cheaper,
    trigger: `${a.turns} mechanical turns (only reads, searches or simple commands, ≤ ${config.maxOutputTokens} output tokens) on ${config.expensiveModels}`,
    evidence: [`cost $${a.actual.toFixed(4)}, on ${config.cheaperModel} $${a.cheaper.toFixed(4)}`, ...a.examples],
    fix: agent === 'main' ? 'Delegate searches and reads to a cheaper subagent (e.g. Explore), or switch model for mechanical work.' : `Run "${agent}" subagents on a cheaper model (model: in the agent's definition).`,
  }));
}
