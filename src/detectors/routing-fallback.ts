import type { DrainFinding, Reprice, SessionFact } from './types.js';

/** `claude-sonnet-4-5-20250929` and `claude-sonnet-4-5[1m]` are the same model. */
export function modelFamily(model: string): string {
  return model
    .toLowerCase()
    .replace(/\[[^\]]*\]$/, '')
    .replace(/-\d{8}$/, '')
    .replace(/-latest$/, '');
}

/**
 * Main-agent responses served by another model than the one requested (SessionStart's model, else
 * the session's first response): dollars = what those responses cost; the evidence gives the delta
 * against the requested model's price.
 */
export function detectRoutingFallback(session: SessionFact, reprice: Reprice): DrainFinding[] {
  const main = session.responses.filter((r) => r.agent === 'main' && r.model !== '<synthetic>');
  const requested = session.requestedModel ?? main[0]?.model;
  if (!requested) return [];
  const want = modelFamily(requested);
  const served = new Map<string, { n: number; usd: number; atRequested: number; first: string }>();
  for (const r of main) {
    const got = modelFamily(r.model);
    if (got === want) continue;
    const s = served.get(got) ?? { n: 0, usd: 0, atRequested: 0, first: r.timestamp };
    s.n++;
    s.usd += r.costUsd ?? 0;
    s.atRequested += reprice(r, requested) ?? 0;
    served.set(got, s);
  }
  return [...served].map(([model, s]) => ({
    driver: 'routingFallback',
    sessionId: session.sessionId,
    agent: 'main',
    usd: s.usd,
    trigger: `${s.n} of ${main.length} responses answered by ${model}, not the requested ${want}`,
    evidence: [`first at ${s.first}`, `cost $${s.usd.toFixed(4)}; at ${want}'s price $${s.atRequested.toFixed(4)} (delta $${(s.usd - s.atRequested).toFixed(4)})`],
    fix: 'Check for rate limits or a model that is not available to you; pin the model (--model) and watch for fallbacks.',
  }));
}
