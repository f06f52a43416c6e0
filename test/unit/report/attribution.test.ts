import { describe, expect, it } from 'vitest';
import { attributeToolCalls, type AttributionResponse } from '../../../src/report/attribution.js';

const rates = () => ({ write: 1, read: 0.1 });
const resp = (messageId: string, context: number, output = 0, agentKey = 'main'): AttributionResponse => ({
  messageId, agentKey, model: 'm', inputTokens: 0, outputTokens: output, cacheCreationTokens: 0, cacheReadTokens: context, costUsd: 1, ts: 0,
});
const call = (toolUseId: string, messageId: string, resultChars: number) => ({ toolUseId, agentKey: 'main', messageId, name: 'Read', summary: toolUseId, resultChars, outcome: 'ok' });

describe('per-tool-call attribution', () => {
  it('splits the context growth by result size, writes it once and reads it on each later turn until a compaction', () => {
    const responses = [resp('a', 1000, 100), resp('b', 2100), resp('c', 2200), resp('d', 2300), resp('e', 500), resp('f', 600)];
    const a = attributeToolCalls(responses, [call('t1', 'a', 300), call('t2', 'a', 100)], rates);
    // growth 2100 - 1000 - 100 = 1000: 750 / 250; carried by c and d (e is below 2100: compacted)
    expect(a.calls.get('t1')).toMatchObject({ addedTokens: 750, carriedResponses: 2, costUsd: 750 * (1 + 0.2) });
    expect(a.calls.get('t2')).toMatchObject({ addedTokens: 250, carriedResponses: 2 });
    expect(a.nextResponseCost.get('t1')).toEqual({ costUsd: 1, sharedBy: 2 });
  });

  it('never attributes negative growth, and a call with no later response costs nothing yet', () => {
    const a = attributeToolCalls([resp('a', 1000, 500), resp('b', 1200)], [call('t1', 'a', 10), call('t2', 'b', 10)], rates);
    expect(a.calls.get('t1')!.addedTokens).toBe(0);
    expect(a.calls.get('t2')).toMatchObject({ addedTokens: 0, costUsd: 0 });
  });
});
