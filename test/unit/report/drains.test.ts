import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { defaultConfig, type DetectorConfig } from '../../../src/config/schema.js';
import { BLOAT_DEFAULTS } from '../../../src/detectors/context-bloat.js';
import { DRIFT_DEFAULTS } from '../../../src/detectors/drift.js';
import { MISALLOCATION_DEFAULTS } from '../../../src/detectors/model-misallocation.js';
import { DEGRADATION_DEFAULTS } from '../../../src/detectors/silent-degradation.js';
import { UNATTENDED_DEFAULTS } from '../../../src/detectors/unattended.js';
import { buildReport, type ReportOptions } from '../../../src/report/build-report.js';
import { listTranscripts } from '../../../src/report/history.js';
import { ensurePricing, ingestHistory } from '../../../src/report/ingest.js';
import { readPromptTimes } from '../../../src/report/prompts.js';
import { renderReport } from '../../../src/report/render.js';
import type { Report } from '../../../src/report/types.js';
import { loadSqlite } from '../../../src/store/native.js';
import { openIndex } from './support.js';

const GENERATOR = fileURLToPath(new URL('../../fixtures/drains/generate.mjs', import.meta.url));
const MAIN_SESSION = fileURLToPath(new URL('../../fixtures/claude-code-2.1.197/transcripts/main-session.jsonl', import.meta.url));

interface Truth {
  totalUsd: number;
  drivers: Record<string, number>;
  sessions: Array<{ id: string; planted: string[] }>;
}

let dir: string;
let truth: Truth;
let detectors: DetectorConfig;
const index = openIndex();

function report(opts: Partial<ReportOptions> = {}): Report {
  return buildReport({ index, sqlite: loadSqlite(undefined), dataDirs: [join(dir, 'no-data')], pricing: {}, detectors }, { by: 'week', timeZone: 'UTC', ...opts });
}

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'costguard-drains-'));
  execFileSync(process.execPath, [GENERATOR, dir]);
  truth = JSON.parse(readFileSync(join(dir, 'truth.json'), 'utf8')) as Truth;
  const written = JSON.parse(readFileSync(join(dir, 'costguard.json'), 'utf8')) as { detectors: { unattended: { workingHours: DetectorConfig['unattended']['workingHours'] } } };
  detectors = { ...defaultConfig().detectors, unattended: { ...defaultConfig().detectors.unattended, workingHours: written.detectors.unattended.workingHours } };
  ingestHistory(index, listTranscripts(dir), {});
  ensurePricing(index, {});
});

describe('drains on a generated history with planted drains (test/fixtures/drains)', () => {
  const usdOf = (r: Report, driver: string) => r.drains.find((d) => d.driver === driver)?.usd ?? 0;

  it('totals match the generator to the micro-dollar', () => {
    expect(report().totals.costUsd).toBeCloseTo(truth.totalUsd, 6);
  });

  it('attributes exactly what was planted where the method is exact', () => {
    const r = report();
    // Whole responses priced: exact.
    for (const driver of ['routingFallback', 'unattended', 'outsideHours', 'silentDegradation']) {
      expect(usdOf(r, driver), driver).toBeCloseTo(truth.drivers[driver]!, 9);
    }
    // Per-call waste: exact but for the 3 uncached input tokens per request the attribution adds to
    // each call's result (the truth carries the result tokens only).
    for (const driver of ['retryStorm', 'duplicateRead', 'toolDuplication']) {
      expect(Math.abs(usdOf(r, driver) / truth.drivers[driver]! - 1), driver).toBeLessThan(0.005);
    }
  });

  it('attributes the estimated drivers within their stated tolerance', () => {
    const r = report();
    // Misallocation misses the planted mechanical turns that pipe commands (by design): under, within 5%.
    expect(usdOf(r, 'modelMisallocation')).toBeLessThan(truth.drivers.modelMisallocation!);
    expect(usdOf(r, 'modelMisallocation') / truth.drivers.modelMisallocation!).toBeGreaterThan(0.95);
    // Bloat: cost × (1 − baseline / session mean context) also scales output and the baseline's own growth: within 20%.
    expect(Math.abs(usdOf(r, 'contextBloat') / truth.drivers.contextBloat! - 1)).toBeLessThan(0.2);
    // Drift: measured against the previous week's rate, which has its own noise: within 15%.
    expect(Math.abs(usdOf(r, 'baselineDrift') / truth.drivers.baselineDrift! - 1)).toBeLessThan(0.15);
    const drift = r.drains.find((d) => d.driver === 'baselineDrift')!;
    expect(drift.findings).toBe(1);
    expect(drift.trigger).toContain('2026-W41');
  });

  it('flags only planted sessions', () => {
    const r = report();
    const planted = (kind: string) => truth.sessions.filter((s) => s.planted.includes(kind)).map((s) => s.id.slice(0, 8));
    const flagged = (driver: string) => r.drains.find((d) => d.driver === driver)!.evidence.map((e) => e.slice(0, 8));
    expect(flagged('contextBloat')).toEqual(planted('bloat'));
    expect(flagged('routingFallback')).toEqual(planted('fallback'));
    expect(flagged('silentDegradation')).toHaveLength(1);
    expect(planted('subagent')).toContain(flagged('silentDegradation')[0]);
    expect(r.drains.find((d) => d.driver === 'silentDegradation')!.evidence[0]).toContain('[Explore]');
    expect(r.drains.find((d) => d.driver === 'retryStorm')!.findings).toBe(2);
    expect(r.drains.find((d) => d.driver === 'modelMisallocation')!.findings).toBe(7);
  });

  it('shares add up against total spend, and every format carries the table', () => {
    const r = report();
    for (const d of r.drains) expect(d.share).toBeCloseTo(d.usd / r.totals.costUsd, 12);
    const json = JSON.parse(renderReport(r, 'json')) as Record<string, unknown>;
    expect(Object.keys(json)).toEqual(expect.arrayContaining(['rows', 'totals', 'findings', 'drains']));
    expect((json.drains as unknown[]).length).toBe(r.drains.length);
    expect(renderReport(r, 'table')).toMatch(/Cost drains \(share of \$[\d.]+ total spend\)\ndriver +share +dollars +findings +trigger/);
    expect(renderReport(r, 'markdown')).toContain('| driver | share | dollars | trigger | evidence | suggested fix |');
    const csv = renderReport(r, 'csv').split('\n');
    expect(csv[0]).toBe('key,model,inputTokens,outputTokens,cacheCreationTokens,cacheReadTokens,totalTokens,costUsd,responses,unpricedResponses');
    expect(csv).toContain('driver,share,usd,findings,trigger,evidence,fix');
  });

  it('the session view shows that session\'s rows only, without drift', () => {
    const bloated = truth.sessions.find((s) => s.planted.includes('bloat'))!;
    const r = report({ by: 'model', sessionId: bloated.id });
    expect(r.drains.map((d) => d.driver)).toEqual(['contextBloat']);
    expect(renderReport(r, 'markdown')).toContain('### Cost drains in this session');
    const clean = truth.sessions.find((s) => s.planted.length === 0)!;
    expect(report({ by: 'model', sessionId: clean.id }).drains).toEqual([]);
  });

  it('a higher drift threshold and no working hours remove those rows', () => {
    const saved = detectors;
    detectors = { ...saved, drift: { thresholdPct: 80 }, unattended: { ...saved.unattended, workingHours: null } };
    try {
      const r = report();
      expect(r.drains.map((d) => d.driver)).not.toContain('baselineDrift');
      expect(r.drains.map((d) => d.driver)).not.toContain('outsideHours');
    } finally {
      detectors = saved;
    }
  });
});

describe('detector config', () => {
  it('defaults are the detectors\' DEFAULTS constants', () => {
    const d = defaultConfig().detectors;
    expect(d.misallocation).toEqual(MISALLOCATION_DEFAULTS);
    expect(d.contextBloat).toEqual({ ...BLOAT_DEFAULTS, liveAction: 'warn' });
    expect(d.unattended).toEqual(UNATTENDED_DEFAULTS);
    expect(d.drift).toEqual(DRIFT_DEFAULTS);
    expect(d.degradation).toEqual(DEGRADATION_DEFAULTS);
  });
});

describe('prompts from a transcript', () => {
  it('keeps what the user typed: not tool results, meta lines, compaction summaries or local-command output', () => {
    const times = readPromptTimes(readFileSync(MAIN_SESSION, 'utf8')).map((ms) => new Date(ms).toISOString());
    // "Tidy up notes.txt", the /compact command and the /probe:cost-report command
    expect(times).toHaveLength(3);
    expect(times[0]).toBe('2026-11-22T23:52:02.689Z');
  });
});
