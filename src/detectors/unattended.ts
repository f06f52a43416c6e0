import type { DrainFinding, SessionFact } from './types.js';

export interface UnattendedConfig {
  /** A stretch with more tool calls than this since the last prompt is unattended. */
  maxCallsWithoutPrompt: number;
  /** Working hours, local to `utcOffsetMinutes`: [start hour, end hour), days 0 = Sunday. null = not reported. */
  workingHours: { start: number; end: number; days: number[]; utcOffsetMinutes: number } | null;
}

export const UNATTENDED_DEFAULTS: UnattendedConfig = { maxCallsWithoutPrompt: 25, workingHours: null };

/**
 * Long stretches of tool calls with no user prompt: dollars = the cost of the responses after the
 * threshold within each stretch. And responses outside the working hours: dollars = their cost.
 */
export function detectUnattended(session: SessionFact, config: UnattendedConfig = UNATTENDED_DEFAULTS): DrainFinding[] {
  const findings: DrainFinding[] = [];
  const prompts = [...session.prompts].sort();
  const responses = [...session.responses].sort((a, b) => a.timestamp.localeCompare(b.timestamp));
  let p = 0;
  let calls = 0;
  let stretch = { usd: 0, calls: 0, from: '', to: '' };
  const close = () => {
    if (stretch.calls > 0) {
      findings.push({
        driver: 'unattended',
        sessionId: session.sessionId,
        usd: stretch.usd,
        trigger: `${calls} tool calls without a user prompt (threshold ${config.maxCallsWithoutPrompt})`,
        evidence: [`from ${stretch.from} to ${stretch.to}`, `${stretch.calls} calls past the threshold`],
        fix: 'Check in on long runs, or set unattended.maxCallsWithoutPrompt to stop them live.',
      });
    }
  };
  for (const r of responses) {
    while (p < prompts.length && (prompts[p] as string) <= r.timestamp) {
      close();
      p++;
      calls = 0;
      stretch = { usd: 0, calls: 0, from: '', to: '' };
    }
    calls += r.tools.length;
    if (calls > config.maxCallsWithoutPrompt) {
      stretch.usd += r.costUsd ?? 0;
      stretch.calls += r.tools.length;
      stretch.from ||= r.timestamp;
      stretch.to = r.timestamp;
    }
  }
  close();

  const wh = config.workingHours;
  if (wh) {
    let usd = 0;
    let n = 0;
    for (const r of responses) {
      const local = new Date(Date.parse(r.timestamp) + wh.utcOffsetMinutes * 60_000);
      const hour = local.getUTCHours();
      if (!wh.days.includes(local.getUTCDay()) || hour < wh.start || hour >= wh.end) {
        usd += r.costUsd ?? 0;
        n++;
      }
    }
    if (n > 0) {
      findings.push({
        driver: 'outsideHours',
        sessionId: session.sessionId,
        usd,
        trigger: `${n} responses outside working hours (${wh.start}:00–${wh.end}:00, days ${wh.days.join(',')})`,
        evidence: [],
        fix: 'Make sure runs outside working hours are intended (scheduled jobs, forgotten sessions).',
      });
    }
  }
  return findings;
}
