import { cpSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadSqlite } from '../../../src/store/native.js';
import { buildReport, type ReportOptions } from '../../../src/report/build-report.js';
import { listTranscripts } from '../../../src/report/history.js';
import { ensurePricing, ingestHistory } from '../../../src/report/ingest.js';
import { UsageIndex } from '../../../src/report/usage-index.js';
import type { PriceOverrides } from '../../../src/config/schema.js';

export const FIXTURE_HISTORY = fileURLToPath(new URL('../../fixtures/history/claude', import.meta.url));
export const CCUSAGE_GOLDEN = fileURLToPath(new URL('../../fixtures/history/ccusage-20.0.24-session.json', import.meta.url));

/** A writable copy of the fixture history (tests append to it). */
export function copyHistory(): string {
  const dir = mkdtempSync(join(tmpdir(), 'costguard-history-'));
  cpSync(FIXTURE_HISTORY, dir, { recursive: true });
  return dir;
}

export function openIndex(): UsageIndex {
  return UsageIndex.openFile(loadSqlite(undefined), ':memory:');
}

export function reportOn(configDir: string, opts: Partial<ReportOptions> = {}, pricing: PriceOverrides = {}, index = openIndex()) {
  const ingest = ingestHistory(index, listTranscripts(configDir), pricing);
  ensurePricing(index, pricing);
  const report = buildReport({ index, sqlite: loadSqlite(undefined), dataDirs: [join(configDir, 'no-data')], pricing }, { by: 'session', timeZone: 'UTC', ...opts });
  return { report, ingest, index };
}
