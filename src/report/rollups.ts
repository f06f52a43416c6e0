import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { DetectorConfig, PriceOverrides } from '../config/schema.js';
import { shortHash } from '../shared/hash.js';
import { sessionFileName, sessionsDir } from '../store/open.js';
import type { CacheRates } from './attribution.js';
import { sessionDrainFacts, type AttributedSession, type DrainContext, type SessionDrainFacts } from './drains.js';
import { findSessionFindings } from './findings.js';
import type { StoredSession } from './session-stores.js';
import type { Finding } from './types.js';
import type { UsageIndex } from './usage-index.js';

declare const __CLI_BUILD_ID__: string | undefined;

/**
 * Bump when what a rollup holds or how it is computed changes without a build id to tell (tests and
 * `tsx` runs have none); a built CLI also keys rollups by its own bundle's hash.
 */
const ROLLUP_FORMAT = 1;

/** One tool name's calls in a session: what `--by tool` adds up. */
export interface ToolSums {
  name: string;
  calls: number;
  failedCalls: number;
  /** Tokens the calls' results added to the context (written to the cache once). */
  addedTokens: number;
  /** Those tokens times the responses that carried them (read from the cache). */
  carriedTokens: number;
  costUsd: number;
}

/**
 * What the report's slow pass computes per session (attribution, the store's findings, the drain
 * facts, per-tool sums), cached in the usage index (`rollups` table). Plain data (JSON).
 */
export interface SessionRollup {
  /** The responses it was computed from: all of the session's when it is stored. */
  responses: number;
  /** From the session's costguard store; none without one. */
  findings: Finding[];
  drains: SessionDrainFacts | null;
  tools: ToolSums[];
}

export interface RollupSources {
  index: UsageIndex;
  rates: CacheRates;
  pricing: PriceOverrides;
  detectors: DetectorConfig;
  /** Where session stores may be: a store's files are part of a rollup's key. */
  dataDirs: readonly string[];
  /** The session's responses in the report's range and its tool calls, attributed (memoized by the caller). */
  attributionOf: (sessionId: string) => AttributedSession;
  storeOf: (sessionId: string) => StoredSession | undefined;
  /** Whether the report's range may leave out some of a session's responses (--since/--until). */
  ranged: boolean;
}

const FAILED = new Set(['error', 'rejected']);

/**
 * Each session's rollup: the stored one when it is still valid, else computed (and stored when it
 * covers the whole session). Valid = same key (code, config, prices, the session's store files) and
 * as many responses as the session has in the range. The index deletes a session's rollup whenever
 * any of its rows change, so an equal count means the same responses: all of them.
 * `inRange`: each session's responses in the report's range.
 */
export function rollupsOf(src: RollupSources, sessionIds: readonly string[], inRange: ReadonlyMap<string, number>): Map<string, SessionRollup> {
  const out = new Map<string, SessionRollup>();
  // Another process committing rows while these are computed (a second report ingesting) could
  // delete a rollup through the triggers just before a stale one is written: then none is written.
  const version = src.index.dataVersion();
  const stored = src.index.rollups();
  const base = shortHash(JSON.stringify([ROLLUP_FORMAT, typeof __CLI_BUILD_ID__ === 'undefined' ? 'dev' : __CLI_BUILD_ID__, src.detectors, src.pricing]));
  const storeFiles = listStoreFiles(src.dataDirs);
  const fresh: Array<{ sessionId: string; key: string; rollup: SessionRollup }> = [];
  let totals: Map<string, number> | undefined;
  for (const sessionId of sessionIds) {
    const key = `${base}:${storeFingerprint(storeFiles, sessionId)}`;
    const hit = stored.get(sessionId);
    if (hit && hit.key === key) {
      const rollup = parseRollup(hit.body);
      if (rollup && rollup.responses === (inRange.get(sessionId) ?? 0)) {
        out.set(sessionId, rollup);
        continue;
      }
    }
    const rollup = computeRollup(src, sessionId);
    out.set(sessionId, rollup);
    if (src.ranged) totals ??= src.index.responseCounts();
    if (!src.ranged || rollup.responses === (totals?.get(sessionId) ?? 0)) fresh.push({ sessionId, key, rollup });
  }
  if (fresh.length > 0) {
    // A cache: when it cannot be written (another report holds the lock too long), the next report
    // computes these sessions again.
    try {
      src.index.write(() => {
        if (src.index.dataVersion() !== version) return;
        for (const f of fresh) src.index.putRollup(f.sessionId, f.key, JSON.stringify(f.rollup));
      });
    } catch {
      // not stored
    }
  }
  return out;
}

function computeRollup(src: RollupSources, sessionId: string): SessionRollup {
  const { attribution, responses, calls } = src.attributionOf(sessionId);
  const store = src.storeOf(sessionId);
  const ctx: DrainContext = { index: src.index, rates: src.rates, pricing: src.pricing, config: src.detectors };
  const tools = new Map<string, ToolSums>();
  for (const c of attribution.calls.values()) {
    let t = tools.get(c.name);
    if (!t) {
      t = { name: c.name, calls: 0, failedCalls: 0, addedTokens: 0, carriedTokens: 0, costUsd: 0 };
      tools.set(c.name, t);
    }
    t.calls++;
    if (c.outcome !== null && FAILED.has(c.outcome)) t.failedCalls++;
    t.addedTokens += c.addedTokens;
    t.carriedTokens += c.addedTokens * c.carriedResponses;
    t.costUsd += c.costUsd;
  }
  return {
    responses: responses.length,
    findings: store ? findSessionFindings(sessionId, store.calls, attribution, responses, src.rates) : [],
    drains: sessionDrainFacts({ sessionId, responses, calls, attribution, store }, ctx) ?? null,
    tools: [...tools.values()],
  };
}

function parseRollup(body: string): SessionRollup | undefined {
  try {
    const r = JSON.parse(body) as SessionRollup;
    return typeof r === 'object' && r !== null && typeof r.responses === 'number' && Array.isArray(r.findings) && Array.isArray(r.tools) ? r : undefined;
  } catch {
    return undefined;
  }
}

/** The session store file names in each data dir (one listing per dir, not a stat per session). */
function listStoreFiles(dataDirs: readonly string[]): Array<{ dir: string; names: Set<string> }> {
  const out: Array<{ dir: string; names: Set<string> }> = [];
  for (const dataDir of dataDirs) {
    const dir = sessionsDir(dataDir);
    try {
      out.push({ dir, names: new Set(readdirSync(dir)) });
    } catch {
      // no stores there
    }
  }
  return out;
}

/** Size and mtime of a session's store files (database and WAL) in every data dir; '-' without a store. */
function storeFingerprint(storeFiles: ReadonlyArray<{ dir: string; names: Set<string> }>, sessionId: string): string {
  const name = sessionFileName(sessionId);
  const parts: string[] = [];
  for (const { dir, names } of storeFiles) {
    if (!names.has(name)) continue;
    // An empty or missing WAL holds nothing (reading the store creates an empty one).
    for (const file of [name, `${name}-wal`]) {
      try {
        const st = statSync(join(dir, file));
        parts.push(st.size > 0 ? `${st.size}.${st.mtimeMs}` : '-');
      } catch {
        parts.push('-');
      }
    }
  }
  return parts.length === 0 ? '-' : shortHash(parts.join(','));
}
