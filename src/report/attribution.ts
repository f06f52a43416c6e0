import type { ToolCallCost } from './types.js';

export interface AttributionResponse {
  messageId: string;
  agentKey: string;
  model: string;
  inputTokens: number;
  outputTokens: number;
  cacheCreationTokens: number;
  cacheReadTokens: number;
  costUsd: number | null;
  ts: number;
}

export interface AttributionCall {
  toolUseId: string;
  agentKey: string;
  messageId: string;
  name: string;
  summary: string;
  resultChars: number | null;
  outcome: string | null;
}

/** USD per token for a model: what writing to and reading from the prompt cache costs. */
export type CacheRates = (model: string) => { write: number; read: number } | undefined;

export interface SessionAttribution {
  calls: Map<string, ToolCallCost>;
  /** The response after the one that issued each call: its cost is what the next turn cost. */
  nextResponseCost: Map<string, { costUsd: number; sharedBy: number }>;
}

const contextOf = (r: AttributionResponse) => r.inputTokens + r.cacheCreationTokens + r.cacheReadTokens;

/**
 * Per-tool-call attribution for one session (docs/report.md). For each agent, responses in order:
 * the tokens the calls issued by response i added = context(i+1) − context(i) − output(i), at least 0,
 * split among those calls by the size of their results. They are written to the cache once (at i+1)
 * and read by every later response of the agent until the context falls below context(i+1) (a
 * compaction or a context clear dropped them). Pure.
 */
export function attributeToolCalls(responses: readonly AttributionResponse[], calls: readonly AttributionCall[], rates: CacheRates): SessionAttribution {
  const byAgent = new Map<string, AttributionResponse[]>();
  for (const r of responses) {
    const list = byAgent.get(r.agentKey) ?? [];
    list.push(r);
    byAgent.set(r.agentKey, list);
  }
  const callsByMessage = new Map<string, AttributionCall[]>();
  for (const c of calls) {
    const list = callsByMessage.get(`${c.agentKey}\0${c.messageId}`) ?? [];
    list.push(c);
    callsByMessage.set(`${c.agentKey}\0${c.messageId}`, list);
  }
  const out: SessionAttribution = { calls: new Map(), nextResponseCost: new Map() };

  for (const [agentKey, list] of byAgent) {
    const n = list.length;
    const ctx = list.map(contextOf);
    // prefix sums of the cache-read price per token of each response
    const readPrefix = new Float64Array(n + 1);
    for (let j = 0; j < n; j++) readPrefix[j + 1] = (readPrefix[j] as number) + (rates((list[j] as AttributionResponse).model)?.read ?? 0);
    // next index with a smaller context: where carried tokens were dropped
    const nextSmaller = new Int32Array(n).fill(n);
    const stack: number[] = [];
    for (let j = 0; j < n; j++) {
      while (stack.length > 0 && (ctx[stack.at(-1) as number] as number) > (ctx[j] as number)) nextSmaller[stack.pop() as number] = j;
      stack.push(j);
    }
    const seen = new Set<string>();
    for (let i = 0; i < n; i++) {
      const r = list[i] as AttributionResponse;
      if (seen.has(r.messageId)) continue;
      seen.add(r.messageId);
      const issued = callsByMessage.get(`${agentKey}\0${r.messageId}`);
      if (!issued) continue;
      const next = list[i + 1];
      const added = next ? Math.max(0, (ctx[i + 1] as number) - (ctx[i] as number) - r.outputTokens) : 0;
      const stop = next ? (nextSmaller[i + 1] as number) : i + 1;
      const carried = next ? Math.max(0, stop - (i + 2)) : 0;
      const write = next ? (rates(next.model)?.write ?? 0) : 0;
      const readSum = next ? (readPrefix[stop] as number) - (readPrefix[Math.min(stop, i + 2)] as number) : 0;
      const weights = issued.map((c) => Math.max(0, c.resultChars ?? 0));
      const weightTotal = weights.reduce((a, b) => a + b, 0);
      issued.forEach((c, k) => {
        const share = weightTotal > 0 ? (weights[k] as number) / weightTotal : 1 / issued.length;
        const tokens = Math.round(added * share);
        out.calls.set(c.toolUseId, {
          toolUseId: c.toolUseId,
          name: c.name,
          summary: c.summary,
          agentKey,
          outcome: c.outcome,
          addedTokens: tokens,
          carriedResponses: carried,
          costUsd: tokens * (write + readSum),
        });
        if (next) out.nextResponseCost.set(c.toolUseId, { costUsd: next.costUsd ?? 0, sharedBy: issued.length });
      });
    }
  }
  return out;
}

/** Calls by what their results cost, costliest first. */
export function costliestCalls(attribution: SessionAttribution, limit: number): ToolCallCost[] {
  return [...attribution.calls.values()].sort((a, b) => b.costUsd - a.costUsd || a.toolUseId.localeCompare(b.toolUseId)).slice(0, limit);
}
