import type { DrainFinding, SessionFact } from './types.js';

export interface DegradationConfig {
  /** Share of failed or blocked calls from which a run is not trusted as normal work. */
  failedShare: number;
  minCalls: number;
}

export const DEGRADATION_DEFAULTS: DegradationConfig = { failedShare: 0.5, minCalls: 4 };

const BAD = new Set(['error', 'rejected', 'denied']);

/**
 * A session or subagent that ended normally while most of its tool calls failed or were blocked:
 * its output is suspect. Dollars = what that agent cost in the session.
 */
export function detectSilentDegradation(session: SessionFact, config: DegradationConfig = DEGRADATION_DEFAULTS): DrainFinding[] {
  const agents = new Set(session.calls.map((c) => c.agent));
  const findings: DrainFinding[] = [];
  for (const agent of agents) {
    const calls = session.calls.filter((c) => c.agent === agent);
    const bad = calls.filter((c) => BAD.has(c.outcome));
    if (calls.length < config.minCalls || bad.length / calls.length < config.failedShare) continue;
    const usd = session.responses.filter((r) => r.agent === agent).reduce((s, r) => s + (r.costUsd ?? 0), 0);
    findings.push({
      driver: 'silentDegradation',
      sessionId: session.sessionId,
      agent,
      usd,
      trigger: `${bad.length} of ${calls.length} tool calls failed or were blocked (≥ ${Math.round(config.failedShare * 100)}%)`,
      evidence: [...new Set(bad.map((c) => `${c.name} ${c.outcome}`))].slice(0, 5),
      fix: 'Do not trust this run as normal work: check its result, and why its tools failed.',
    });
  }
  return findings;
}
