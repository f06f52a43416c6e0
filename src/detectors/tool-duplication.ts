import { signatureOf } from '../guards/tool-duplication.js';
import type { CallFact, DrainFinding, SessionFact } from './types.js';

/**
 * Repeated tool calls of one session: calls the live guard flagged (`guard` toolDuplication), and,
 * for sessions it did not watch, calls identical to an earlier successful call of the same agent
 * with nothing in between that may have changed files (the guard's rule, on exact matches only:
 * the report keeps a call's summary, not its whole input). `session.calls` must be in call order.
 * Dollars = what each repeat wasted (`wasteOf`: the report's per-call waste).
 */
export function detectToolDuplication(session: SessionFact, wasteOf: (call: CallFact) => number): DrainFinding[] {
  const repeats = new Map<string, CallFact[]>();
  const lastOk = new Map<string, Map<string, CallFact>>();
  for (const c of session.calls) {
    const seen = lastOk.get(c.agent) ?? new Map<string, CallFact>();
    lastOk.set(c.agent, seen);
    const flagged = c.guard?.includes('toolDuplication') === true;
    const sig = c.summary === undefined ? undefined : signatureOf(c.name, inputOf(c), undefined);
    if (sig?.modifies) seen.clear();
    const key = sig && !sig.modifies ? sig.key : undefined;
    if (flagged || (key !== undefined && seen.has(key) && c.outcome !== 'denied')) {
      const list = repeats.get(c.agent) ?? [];
      list.push(c);
      repeats.set(c.agent, list);
    }
    if (key !== undefined && c.outcome === 'ok') seen.set(key, c);
  }
  return [...repeats].map(([agent, calls]) => ({
    driver: 'toolDuplication',
    sessionId: session.sessionId,
    agent,
    usd: calls.reduce((sum, c) => sum + wasteOf(c), 0),
    trigger: `${calls.length} repeated call${calls.length > 1 ? 's' : ''} identical to an earlier successful one, nothing changed in between`,
    evidence: [...new Set(calls.map((c) => `${c.name} ${(c.summary ?? '').replace(/\s+/g, ' ').slice(0, 80)}`))].slice(0, 5),
    fix: 'Reuse the earlier result; keep toolDuplication.action at warn (or block) so the model is told live.',
  }));
}

/** The summary stands for the input: the command of a Bash call, the URL or query of a web call. */
function inputOf(c: CallFact): unknown {
  switch (c.name) {
    case 'Bash':
      return { command: c.summary };
    case 'WebFetch':
      return { url: c.summary };
    case 'WebSearch':
      return { query: c.summary };
    default:
      // Other tools' summaries leave out part of the input (a Grep's path): not compared.
      return ['Edit', 'Write', 'MultiEdit', 'NotebookEdit'].includes(c.name) ? {} : null;
  }
}
