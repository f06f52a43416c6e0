import { describe, expect, it } from 'vitest';
import { compileIgnore, evaluateDuplicateRead, isCovered, type PriorRead } from '../../../src/guards/duplicate-read.js';
import type { ReadSpan } from '../../../src/guards/read-spans.js';

const path = '/p/notes.txt';
const stamp = { mtimeMs: 1000, size: 30 };
const t0 = Date.parse('2026-11-22T23:52:03Z');
const prior = (start: number, end: number | null, over: Partial<PriorRead> = {}): PriorRead => ({
  path,
  start,
  end,
  mtimeMs: stamp.mtimeMs,
  size: stamp.size,
  at: t0,
  toolUseId: 'toolu_prior',
  ...over,
});
const span = (start: number, end: number | null): ReadSpan => ({ path, start, end, recordable: true });
const never = () => false;
const warn = { action: 'warn' as const, ignore: [] };

function evaluate(requested: ReadSpan[], priorReads: PriorRead[], over: { stamps?: Map<string, typeof stamp>; config?: typeof warn | { action: 'block' | 'off'; ignore: string[] }; ignore?: (p: string, c: string | undefined) => boolean } = {}) {
  return evaluateDuplicateRead(
    { agentKey: 'main', cwd: '/p', requested, priorReads, currentStamps: over.stamps ?? new Map([[path, stamp]]), now: t0 + 42_000 },
    over.config ?? warn,
    over.ignore ?? never,
  );
}

describe('isCovered', () => {
  it.each<[string, [number, number | null], Array<[number, number | null]>, boolean]>([
    ['same range', [1, 4], [[1, 4]], true],
    ['sub-range', [2, 3], [[1, 4]], true],
    ['whole file covers any window', [1, 2000], [[1, null]], true],
    ['whole file covers a later start', [50, null], [[1, null]], true],
    ['a partial read does not cover the rest', [1, 2000], [[1, 100]], false],
    ['adjacent reads merge', [50, 150], [[1, 100], [101, 200]], true],
    ['a gap is not covered', [50, 150], [[1, 100], [102, 200]], false],
    ['an open end needs an open end', [5, null], [[1, 100]], false],
    ['nothing read', [1, 4], [], false],
  ])('%s', (_name, [s, e], priors, expected) => {
    expect(isCovered({ start: s, end: e }, priors.map(([a, b]) => prior(a, b)))).toBe(expected);
  });
});

describe('evaluateDuplicateRead', () => {
  it('flags a re-read of unchanged content with when it was read', () => {
    const v = evaluate([span(1, 2000)], [prior(1, null)]);
    expect(v?.guard).toBe('duplicateRead');
    expect(v?.context).toContain('/p/notes.txt (lines 1-2000), read at 23:52:03 UTC, 42 s ago');
    expect(v?.deny).toBeUndefined();
  });

  it('blocks instead when configured', () => {
    const v = evaluate([span(1, 4)], [prior(1, 4)], { config: { action: 'block', ignore: [] } });
    expect(v?.deny).toContain('duplicate read blocked');
    expect(v?.context).toBeUndefined();
  });

  it('does not flag a file changed on disk since (mtime or size)', () => {
    expect(evaluate([span(1, 4)], [prior(1, 4, { mtimeMs: 999 })])).toBeUndefined();
    expect(evaluate([span(1, 4)], [prior(1, 4, { size: 31 })])).toBeUndefined();
  });

  it('does not flag a file that is gone', () => {
    expect(evaluate([span(1, 4)], [prior(1, 4)], { stamps: new Map() })).toBeUndefined();
  });

  it('does not flag a range not read before', () => {
    expect(evaluate([span(5, 9)], [prior(1, 4)])).toBeUndefined();
  });

  it('exempts ignored paths', () => {
    const ignore = compileIgnore(['**/*.txt']);
    expect(evaluate([span(1, 4)], [prior(1, 4)], { ignore })).toBeUndefined();
  });

  it('needs every file of a multi-file read covered', () => {
    const other: ReadSpan = { path: '/p/other', start: 1, end: null, recordable: true };
    const stamps = new Map([[path, stamp], ['/p/other', stamp]]);
    expect(evaluate([span(1, null), other], [prior(1, null)], { stamps })).toBeUndefined();
  });

  it('does nothing when off', () => {
    expect(evaluate([span(1, 4)], [prior(1, 4)], { config: { action: 'off', ignore: [] } })).toBeUndefined();
  });
});

describe('compileIgnore', () => {
  it('matches absolute paths and paths relative to cwd', () => {
    const ignored = compileIgnore(['dist/**', '/tmp/**', '**/*.lock']);
    expect(ignored('/repo/dist/a.js', '/repo')).toBe(true);
    expect(ignored('/tmp/x', '/repo')).toBe(true);
    expect(ignored('/repo/sub/yarn.lock', '/repo')).toBe(true);
    expect(ignored('/repo/src/a.ts', '/repo')).toBe(false);
    expect(compileIgnore([])('/anything', '/')).toBe(false);
  });
});
