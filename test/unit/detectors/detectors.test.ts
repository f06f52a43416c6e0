import { describe, expect, it } from 'vitest';
import { computeBaseline, detectContextBloat, meanContext } from '../../../src/detectors/context-bloat.js';
import { detectBaselineDrift } from '../../../src/detectors/drift.js';
import { summarizeDrains } from '../../../src/detectors/index.js';
import { detectModelMisallocation, isMechanical } from '../../../src/detectors/model-misallocation.js';
import { detectRoutingFallback, modelFamily } from '../../../src/detectors/routing-fallback.js';
import { detectSilentDegradation } from '../../../src/detectors/silent-degradation.js';
import type { ResponseFact, SessionFact } from '../../../src/detectors/types.js';
import { detectUnattended } from '../../../src/detectors/unattended.js';
import { detectToolDuplication } from '../../../src/detectors/tool-duplication.js';
import { costOfUsage } from '../../../src/pricing/cost.js';

let t = Date.parse('2026-11-23T10:00:00Z');
function response(over: Partial<ResponseFact> = {}): ResponseFact {
  const r: ResponseFact = {
    timestamp: new Date((t += 60_000)).toISOString(),
    model: 'claude-opus-4-8',
    agent: 'main',
    inputTokens: 10,
    outputTokens: 100,
    cacheCreationTokens: 0,
    cacheReadTokens: 20_000,
    costUsd: null,
    tools: [{ name: 'Read', input: { file_path: '/a' } }],
    ...over,
  };
  if (over.costUsd === undefined) r.costUsd = priced(r, r.model);
  return r;
}
function priced(r: ResponseFact, model: string): number {
  const c = costOfUsage({ model, inputTokens: r.inputTokens, outputTokens: r.outputTokens, cacheCreation5mTokens: r.cacheCreationTokens, cacheCreation1hTokens: 0, cacheReadTokens: r.cacheReadTokens });
  if (!('usd' in c)) throw new Error(`unpriced ${model}`);
  return c.usd;
}
const reprice = (r: ResponseFact, model: string) => priced(r, model);
const session = (responses: ResponseFact[], over: Partial<SessionFact> = {}): SessionFact => ({ sessionId: 's1', project: '/p', responses, calls: [], prompts: [], ...over });

describe('model misallocation', () => {
  it('tells mechanical turns from real work', () => {
    expect(isMechanical(response(), 300)).toBe(true);
    expect(isMechanical(response({ tools: [{ name: 'Bash', input: { command: 'git status' } }] }), 300)).toBe(true);
    expect(isMechanical(response({ tools: [{ name: 'Bash', input: { command: 'npm test' } }] }), 300)).toBe(false);
    expect(isMechanical(response({ tools: [{ name: 'Bash', input: { command: 'ls > out' } }] }), 300)).toBe(false);
    expect(isMechanical(response({ tools: [{ name: 'Edit', input: {} }] }), 300)).toBe(false);
    expect(isMechanical(response({ outputTokens: 301 }), 300)).toBe(false);
    expect(isMechanical(response({ tools: [] }), 300)).toBe(false);
  });

  it('prices mechanical Opus turns against Haiku, per agent', () => {
    const mech = [response(), response(), response({ agent: 'Explore' })];
    const real = response({ tools: [{ name: 'Edit', input: {} }], outputTokens: 2000 });
    const findings = detectModelMisallocation(session([...mech, real, response({ model: 'claude-haiku-4-5' })]), reprice);
    const main = findings.find((f) => f.agent === 'main');
    const expected = mech.slice(0, 2).reduce((s, r) => s + r.costUsd! - priced(r, 'claude-haiku-4-5'), 0);
    expect(main?.usd).toBeCloseTo(expected, 10);
    expect(main?.trigger).toContain('2 mechanical turns');
    expect(findings.find((f) => f.agent === 'Explore')?.usd).toBeGreaterThan(0);
    expect(findings).toHaveLength(2);
  });
});

describe('routing fallback', () => {
  it('normalizes model ids to families', () => {
    expect(modelFamily('claude-sonnet-4-5-20250929')).toBe('claude-sonnet-4-5');
    expect(modelFamily('claude-opus-4-8[1m]')).toBe('claude-opus-4-8');
  });

  it('counts main responses answered by another model than requested, with the price delta', () => {
    const fallback = [response({ model: 'claude-sonnet-4-5-20250929' }), response({ model: 'claude-sonnet-4-5-20250929' })];
    const s = session([response(), ...fallback, response({ model: 'claude-haiku-4-5', agent: 'Explore' })], { requestedModel: 'claude-opus-4-8[1m]' });
    const [f, ...rest] = detectRoutingFallback(s, reprice);
    expect(rest).toEqual([]);
    expect(f?.usd).toBeCloseTo(fallback.reduce((a, r) => a + r.costUsd!, 0), 10);
    expect(f?.trigger).toBe('2 of 3 responses answered by claude-sonnet-4-5, not the requested claude-opus-4-8');
  });

  it('uses the first response as the request when SessionStart gave none', () => {
    expect(detectRoutingFallback(session([response(), response()]), reprice)).toEqual([]);
  });
});

describe('context bloat against the baseline', () => {
  const baseline = computeBaseline([20_000, 22_000, 18_000, 21_000, 19_000]);
  it('computes mean and standard deviation', () => {
    expect(baseline.mean).toBe(20_000);
    expect(baseline.std).toBeCloseTo(Math.sqrt(2_000_000), 6);
  });

  it('flags a session far above the baseline, with the share of its cost above it', () => {
    const bloated = session([response({ cacheReadTokens: 80_000 }), response({ cacheReadTokens: 80_000 })]);
    const value = meanContext(bloated)!;
    const f = detectContextBloat(bloated, baseline);
    const cost = bloated.responses.reduce((a, r) => a + r.costUsd!, 0);
    expect(f?.usd).toBeCloseTo(cost * (1 - 20_000 / value), 10);
    expect(detectContextBloat(session([response({ cacheReadTokens: 23_000 })]), baseline)).toBeUndefined();
    expect(detectContextBloat(bloated, computeBaseline([20_000, 20_000]))).toBeUndefined(); // too few sessions
  });
});

describe('unattended execution', () => {
  it('charges the responses past the threshold in a stretch without prompts', () => {
    const rs = Array.from({ length: 6 }, () => response({ tools: [{ name: 'Bash', input: { command: 'x' } }, { name: 'Read', input: {} }] }));
    const prompt = new Date(Date.parse(rs[0]!.timestamp) - 1000).toISOString();
    const [f] = detectUnattended(session(rs, { prompts: [prompt] }), { maxCallsWithoutPrompt: 5, workingHours: null });
    // 2 calls per response: the 3rd response takes the stretch to 6 calls, past 5.
    expect(f?.usd).toBeCloseTo(rs.slice(2).reduce((a, r) => a + r.costUsd!, 0), 10);
    expect(f?.evidence).toContain('8 calls past the threshold');
  });

  it('resets at each prompt, and reports responses outside working hours', () => {
    const rs = [response(), response(), response()];
    const prompts = rs.map((r) => new Date(Date.parse(r.timestamp) - 1).toISOString());
    expect(detectUnattended(session(rs, { prompts }), { maxCallsWithoutPrompt: 1, workingHours: null })).toEqual([]);
    const night = response({ timestamp: '2026-11-24T23:30:00Z' });
    const out = detectUnattended(session([night, response({ timestamp: '2026-11-24T10:00:00Z' })], { prompts: ['2026-11-24T00:00:00Z'] }), {
      maxCallsWithoutPrompt: 100,
      workingHours: { start: 9, end: 18, days: [1, 2, 3, 4, 5], utcOffsetMinutes: 0 },
    });
    expect(out.map((f) => [f.driver, f.usd])).toEqual([['outsideHours', night.costUsd]]);
  });
});

describe('baseline drift', () => {
  it('flags a week whose cost per session rose past the threshold', () => {
    const weeks = [
      { week: '2026-W45', sessions: 10, activeHours: 20, costUsd: 50 },
      { week: '2026-W46', sessions: 10, activeHours: 20, costUsd: 55 },
      { week: '2026-W47', sessions: 8, activeHours: 16, costUsd: 64 },
    ];
    const findings = detectBaselineDrift(weeks, 25);
    expect(findings).toHaveLength(1);
    expect(findings[0]!.trigger).toContain('2026-W47 $8.00 vs 2026-W46 $5.50 (+45%');
    expect(findings[0]!.usd).toBeCloseTo((8 - 5.5) * 8, 10);
  });
});

describe('silent degradation', () => {
  it('marks an agent most of whose calls failed or were blocked', () => {
    const s = session([response({ agent: 'Explore' })], {
      calls: [
        { agent: 'Explore', name: 'Bash', outcome: 'error' },
        { agent: 'Explore', name: 'Bash', outcome: 'denied' },
        { agent: 'Explore', name: 'Grep', outcome: 'rejected' },
        { agent: 'Explore', name: 'Read', outcome: 'ok' },
        { agent: 'main', name: 'Read', outcome: 'ok' },
      ],
    });
    const findings = detectSilentDegradation(s);
    expect(findings.map((f) => f.agent)).toEqual(['Explore']);
    expect(findings[0]!.trigger).toBe('3 of 4 tool calls failed or were blocked (≥ 50%)');
  });
});

describe('summarizeDrains', () => {
  it('adds findings up per driver, with the share of total spend, largest first', () => {
    const rows = summarizeDrains(
      [
        { driver: 'routingFallback', usd: 1, trigger: 'a', evidence: [], fix: 'f' },
        { driver: 'modelMisallocation', usd: 2, trigger: 'b', evidence: [], fix: 'g' },
        { driver: 'routingFallback', usd: 2, trigger: 'c', evidence: [], fix: 'f' },
      ],
      10,
    );
    expect(rows.map((r) => [r.driver, r.usd, r.share, r.findings])).toEqual([
      ['routingFallback', 3, 0.3, 2],
      ['modelMisallocation', 2, 0.2, 1],
    ]);
  });
});

describe('tool duplication', () => {
  const call = (summary: string, outcome = 'ok', name = 'Bash', guard?: string) => ({ agent: 'main', name, toolUseId: `t${summary}${Math.random()}`, summary, outcome, ...(guard ? { guard } : {}) });
  it('counts identical successful repeats with nothing modifying in between, and guard-flagged calls', () => {
    const calls = [
      call('npm test'),
      call('npm test'), // repeat
      call('x', 'ok', 'Edit'),
      call('npm test'), // after an edit: legitimate
      call('npm test', 'error'), // failed: the retry streak's business
      call('cat a.txt'), // a file read: the duplicate-read guard's business
      call('cat a.txt'),
      call('pattern', 'ok', 'Grep', 'toolDuplication'),
    ];
    const findings = detectToolDuplication(session([], { calls }), () => 1);
    expect(findings).toHaveLength(1);
    expect(findings[0]!.usd).toBe(3);
    expect(findings[0]!.evidence).toEqual(['Bash npm test', 'Grep pattern']);
  });
});
