import { appendFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { defaultConfig, type DetectorConfig } from '../../../src/config/schema.js';
import { attributeSession, buildReport, cacheRates, type ReportOptions } from '../../../src/report/build-report.js';
import { listTranscripts } from '../../../src/report/history.js';
import { ensurePricing, ingestHistory } from '../../../src/report/ingest.js';
import { rollupsOf, type SessionRollup } from '../../../src/report/rollups.js';
import { UsageIndex } from '../../../src/report/usage-index.js';
import { loadSqlite } from '../../../src/store/native.js';
import { withSessionStore } from '../../../src/store/open.js';
import { copyHistory, openIndex } from './support.js';

const S1 = '11111111-1111-4111-8111-111111111111';
const S2 = '22222222-2222-4222-8222-222222222222';
const S2_FILE = join('projects', '-home-dev-alpha', `${S2}.jsonl`);
const sqlite = loadSqlite(undefined);

function report(history: string, index: UsageIndex, opts: Partial<ReportOptions> = {}, dataDir = join(history, 'no-data'), detectors?: DetectorConfig) {
  ingestHistory(index, listTranscripts(history), {});
  ensurePricing(index, {});
  return buildReport({ index, sqlite, dataDirs: [dataDir], pricing: {}, detectors }, { by: 'session', timeZone: 'UTC', ...opts });
}

/** Replaces a stored rollup's body, keeping its key: shows whether a report uses the stored copy. */
function plant(index: UsageIndex, sessionId: string, change: (r: SessionRollup) => void): void {
  const stored = index.rollups().get(sessionId);
  if (!stored) throw new Error(`no rollup for ${sessionId}`);
  const body = JSON.parse(stored.body) as SessionRollup;
  change(body);
  index.putRollup(sessionId, stored.key, JSON.stringify(body));
}

const marker = (sessionId: string) => ({ driver: 'toolDuplication' as const, sessionId, usd: 1234.5, trigger: 'planted', evidence: [], fix: 'x' });

/** A planted $1234.5 tool-duplication finding in each session's stored rollup. */
function plantMarkers(index: UsageIndex, ...sessionIds: string[]): void {
  for (const id of sessionIds) plant(index, id, (r) => r.drains?.findings.push(marker(id)));
}

/** The fixture history reported once (every rollup stored), then markers planted in `sessionIds`. */
function reportedHistory(...sessionIds: string[]) {
  const history = copyHistory();
  const index = openIndex();
  report(history, index);
  plantMarkers(index, ...sessionIds);
  return { history, index };
}

/** Three failed Bash calls in the session's store: a retry-storm finding. */
function storeWithStorm(dataDir: string, calls = 3): void {
  withSessionStore(sqlite, dataDir, S1, Date.now(), (store) => {
    for (let i = 0; i < calls; i++) {
      const id = ['toolu_000006', 'toolu_000011', 'toolu_000016', 'toolu_000018'][i] as string;
      const call = { toolUseId: id, agentKey: 'main', agentType: undefined, toolName: 'Bash', summary: `npm test #${i}`, targetPath: undefined, at: 1_000 + i };
      store.startCall(call);
      store.finishCall({ ...call, outcome: 'error', error: 'exit 1', durationMs: 5 });
    }
  });
}

describe('report rollups: per-session results kept in the usage index', () => {
  it('a second report uses every stored rollup and equals a report on a fresh index', () => {
    const history = copyHistory();
    const index = openIndex();
    const first = report(history, index, { by: 'week' });
    expect([...index.rollups().keys()].sort()).toEqual([S1, S2, '33333333-3333-4333-8333-333333333333']);
    expect(report(history, index, { by: 'week' })).toEqual(first);
    expect(report(history, openIndex(), { by: 'tool' })).toEqual(report(history, index, { by: 'tool' }));

    plantMarkers(index, S2);
    const planted = report(history, index, { by: 'week' });
    expect(planted.drains.find((d) => d.driver === 'toolDuplication')?.usd).toBe(1234.5);
  });

  it('new lines in a session recompute that session only', () => {
    const { history, index } = reportedHistory(S1, S2);
    const line = { type: 'assistant', sessionId: S2, timestamp: '2026-11-20T11:10:00.000Z', requestId: 'req_new', message: { id: 'msg_new', model: 'claude-opus-4-8', usage: { input_tokens: 5, output_tokens: 7, cache_creation_input_tokens: 0, cache_read_input_tokens: 0 } } };
    appendFileSync(join(history, S2_FILE), `${JSON.stringify(line)}\n`);
    const after = report(history, index);
    const planted = after.drains.find((d) => d.driver === 'toolDuplication');
    expect(planted?.findings).toBe(1); // S1's planted finding is still used; S2's was recomputed
    expect(planted?.evidence[0]).toContain(S1.slice(0, 8));
    expect(after.rows.find((r) => r.key === S2)?.responses).toBe(JSON.parse(index.rollups().get(S2)!.body).responses);
  });

  it('a response that moves to another session recomputes both', () => {
    const { history, index } = reportedHistory(S1, S2);
    // The same response (message id, request id) as one of S1's, more complete, in S2's transcript.
    const copy = { type: 'assistant', sessionId: S2, timestamp: '2026-11-20T09:00:03.000Z', requestId: 'req_000003', message: { id: 'msg_000002', model: 'claude-opus-4-8', usage: { input_tokens: 12, output_tokens: 5000, cache_creation_input_tokens: 9000, cache_read_input_tokens: 0 } } };
    appendFileSync(join(history, S2_FILE), `${JSON.stringify(copy)}\n`);
    const after = report(history, index);
    expect(after.drains.find((d) => d.driver === 'toolDuplication')).toBeUndefined();
  });

  it("a result in another transcript for one of a session's calls recomputes that session", () => {
    const { history, index } = reportedHistory(S1);
    // Same response count in S1, but its Write call's outcome and result size change.
    const result = { type: 'user', sessionId: S2, timestamp: '2026-11-20T11:00:00.000Z', message: { role: 'user', content: [{ type: 'tool_result', tool_use_id: 'toolu_000051', is_error: true, content: 'x'.repeat(5000) }] } };
    appendFileSync(join(history, S2_FILE), `${JSON.stringify(result)}\n`);
    const after = report(history, index, { by: 'tool' });
    expect(after.drains.find((d) => d.driver === 'toolDuplication')).toBeUndefined();
    expect(after.rows.find((r) => r.key === 'Write')?.failedCalls).toBe(1);
  });

  it('other detector settings or another store state compute again', () => {
    const history = copyHistory();
    const data = mkdtempSync(join(tmpdir(), 'costguard-rollup-data-'));
    storeWithStorm(data);
    const index = openIndex();
    const first = report(history, index, {}, data);
    expect(first.findings.map((f) => f.kind)).toContain('retryStorm');
    plantMarkers(index, S1);
    expect(report(history, index, {}, data).drains.some((d) => d.driver === 'toolDuplication' && d.usd === 1234.5)).toBe(true);

    const detectors = { ...defaultConfig().detectors, unattended: { maxCallsWithoutPrompt: 1, workingHours: null } };
    const strict = report(history, index, {}, data, detectors);
    expect(strict.drains.some((d) => d.usd === 1234.5)).toBe(false);
    expect(strict.drains.some((d) => d.driver === 'unattended')).toBe(true);

    // The store records a fourth failure: the findings must show it, not the stored rollup.
    const storm = (r: typeof first) => r.findings.find((f) => f.kind === 'retryStorm')!.evidence.length;
    const before = storm(report(history, index, {}, data, detectors));
    storeWithStorm(data, 4);
    expect(storm(report(history, index, {}, data, detectors))).toBe(before + 1);
  });

  it('stores nothing when another process wrote to the index while they were computed', () => {
    const history = copyHistory();
    const file = join(mkdtempSync(join(tmpdir(), 'costguard-rollup-index-')), 'report-index.sqlite');
    using mine = UsageIndex.openFile(sqlite, file);
    using theirs = UsageIndex.openFile(sqlite, file);
    ingestHistory(mine, listTranscripts(history), {});
    const rates = cacheRates({});
    const sources = (interfere: boolean) => {
      let first = true;
      return {
        index: mine,
        rates,
        pricing: {},
        detectors: defaultConfig().detectors,
        dataDirs: [join(history, 'no-data')],
        attributionOf: (id: string) => attributeSession(mine, { sessionId: id }, rates),
        storeOf: () => {
          // Another report ingests a prompt of S1 while this one is computing.
          if (interfere && first) theirs.write(() => theirs.addPrompt(1, S1, Date.parse('2026-11-20T09:30:00Z')));
          first = false;
          return undefined;
        },
        ranged: false,
      };
    };
    const counts = mine.responseCounts();
    rollupsOf(sources(true), [S1, S2], counts);
    expect(mine.rollups().size).toBe(0);
    rollupsOf(sources(false), [S1, S2], counts);
    expect([...mine.rollups().keys()].sort()).toEqual([S1, S2]);
  });

  it('a range that cuts a session computes it without storing it', () => {
    const history = copyHistory();
    const index = openIndex();
    const cut = report(history, index, { until: 'x', untilMs: Date.parse('2026-11-20T09:00:10.000Z') });
    const inRange = cut.rows.find((r) => r.key === S1)!.responses;
    expect(index.rollups().has(S1)).toBe(false);
    const whole = report(history, index);
    expect(whole.rows.find((r) => r.key === S1)!.responses).toBeGreaterThan(inRange);
    expect(JSON.parse(index.rollups().get(S1)!.body).responses).toBe(whole.rows.find((r) => r.key === S1)!.responses);
    // and the stored whole-session rollup is not used for the cut range
    plantMarkers(index, S1);
    expect(report(history, index, { until: 'x', untilMs: Date.parse('2026-11-20T09:00:10.000Z') })).toEqual(cut);
  });
});
