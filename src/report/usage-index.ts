import type { Database as Db } from 'better-sqlite3';
import { SqliteStore } from '../store/sqlite-store.js';
import type { ResponseTokens } from '../transcript/types.js';
import { chmodSync, closeSync, mkdirSync, openSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { SqliteModule } from '../store/native.js';

/**
 * The report's own cache of Claude Code's history: per-response usage rows, tool calls, and a byte
 * cursor per transcript file, so a second report reads only what was appended since. It is a cache:
 * deleting it costs one full re-read, nothing else.
 */
const MIGRATIONS: readonly string[] = [
  `
  CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
  CREATE TABLE files (
    id INTEGER PRIMARY KEY,
    path TEXT NOT NULL UNIQUE,
    session_id TEXT NOT NULL,
    project TEXT NOT NULL,
    agent_id TEXT,                    -- subagent transcripts
    agent_type TEXT,                  -- from agent-<id>.meta.json
    offset INTEGER NOT NULL,          -- bytes consumed (complete lines)
    size INTEGER NOT NULL,
    mtime_ms REAL NOT NULL,
    ino TEXT NOT NULL,
    malformed_lines INTEGER NOT NULL DEFAULT 0
  );
  -- One row per API response: (message.id, requestId) is unique across the whole history.
  CREATE TABLE responses (
    message_id TEXT NOT NULL,
    request_id TEXT NOT NULL,
    file_id INTEGER NOT NULL,
    session_id TEXT NOT NULL,
    project TEXT NOT NULL,
    agent_key TEXT NOT NULL,          -- 'main' or the subagent's id
    model TEXT NOT NULL,
    input_tokens INTEGER NOT NULL,
    output_tokens INTEGER NOT NULL,
    cache_creation_tokens INTEGER NOT NULL,
    cache_creation_5m_tokens INTEGER NOT NULL,
    cache_creation_1h_tokens INTEGER NOT NULL,
    cache_read_tokens INTEGER NOT NULL,
    cost_usd REAL,                    -- NULL: the model is not priced
    ts INTEGER NOT NULL,              -- epoch ms; 0 when the line had no timestamp
    sidechain INTEGER NOT NULL,
    PRIMARY KEY (message_id, request_id)
  ) WITHOUT ROWID;
  CREATE INDEX responses_by_ts ON responses (ts);
  CREATE INDEX responses_by_session ON responses (session_id, ts);
  CREATE INDEX responses_by_file ON responses (file_id);
  CREATE TABLE tool_calls (
    tool_use_id TEXT PRIMARY KEY,
    file_id INTEGER NOT NULL,
    session_id TEXT NOT NULL,
    agent_key TEXT NOT NULL,
    message_id TEXT NOT NULL,         -- the response that issued the call
    name TEXT NOT NULL,
    summary TEXT NOT NULL,
    ts INTEGER NOT NULL,
    result_chars INTEGER,             -- NULL: no result seen yet
    outcome TEXT                      -- ok | error | rejected | unchanged
  );
  CREATE INDEX tool_calls_by_session ON tool_calls (session_id);
  CREATE INDEX tool_calls_by_file ON tool_calls (file_id);
  CREATE TABLE models (model TEXT PRIMARY KEY);
  `,
  `
  -- When the user typed a prompt (main transcripts only): the unattended-run detector needs them.
  CREATE TABLE prompts (file_id INTEGER NOT NULL, session_id TEXT NOT NULL, ts INTEGER NOT NULL);
  CREATE INDEX prompts_by_session ON prompts (session_id, ts);
  CREATE INDEX prompts_by_file ON prompts (file_id);
  -- Files read before prompts were kept: read everything again (the index is a cache).
  DELETE FROM responses;
  DELETE FROM tool_calls;
  DELETE FROM files;
  DELETE FROM models;
  DELETE FROM meta WHERE key = 'pricing';
  `,
  `
  -- Per-session results of the report's slow pass (attribution, findings, drain facts), as JSON, so
  -- an unchanged session is not recomputed. key: what else they depend on (code, config, the
  -- session's costguard store). Any change to a session's rows deletes its rollup (triggers below).
  CREATE TABLE rollups (session_id TEXT PRIMARY KEY, key TEXT NOT NULL, body TEXT NOT NULL) WITHOUT ROWID;
  CREATE TRIGGER rollups_responses_ins AFTER INSERT ON responses BEGIN DELETE FROM rollups WHERE session_id = new.session_id; END;
  CREATE TRIGGER rollups_responses_upd AFTER UPDATE ON responses BEGIN DELETE FROM rollups WHERE session_id IN (old.session_id, new.session_id); END;
  CREATE TRIGGER rollups_responses_del AFTER DELETE ON responses BEGIN DELETE FROM rollups WHERE session_id = old.session_id; END;
  CREATE TRIGGER rollups_calls_ins AFTER INSERT ON tool_calls BEGIN DELETE FROM rollups WHERE session_id = new.session_id; END;
  CREATE TRIGGER rollups_calls_upd AFTER UPDATE ON tool_calls BEGIN DELETE FROM rollups WHERE session_id IN (old.session_id, new.session_id); END;
  CREATE TRIGGER rollups_calls_del AFTER DELETE ON tool_calls BEGIN DELETE FROM rollups WHERE session_id = old.session_id; END;
  CREATE TRIGGER rollups_prompts_ins AFTER INSERT ON prompts BEGIN DELETE FROM rollups WHERE session_id = new.session_id; END;
  CREATE TRIGGER rollups_prompts_del AFTER DELETE ON prompts BEGIN DELETE FROM rollups WHERE session_id = old.session_id; END;
  CREATE TRIGGER rollups_files_upd AFTER UPDATE OF agent_type ON files WHEN old.agent_type IS NOT new.agent_type
    BEGIN DELETE FROM rollups WHERE session_id = new.session_id; END;
  `,
];

export const INDEX_FILE = 'report-index.sqlite';

export interface FileRow {
  id: number;
  path: string;
  sessionId: string;
  project: string;
  agentId: string | null;
  agentType: string | null;
  offset: number;
  size: number;
  mtimeMs: number;
  ino: string;
}

export interface ResponseRow extends ResponseTokens {
  fileId: number;
  sessionId: string;
  project: string;
  agentKey: string;
  costUsd: number | null;
  ts: number;
  sidechain: number;
}

export interface ToolCallRow {
  toolUseId: string;
  fileId: number;
  sessionId: string;
  agentKey: string;
  messageId: string;
  name: string;
  summary: string;
  ts: number;
}

/** Token sums of one group (and model), as aggregation receives them. */
export interface UsageSums {
  inputTokens: number;
  outputTokens: number;
  cacheCreationTokens: number;
  cacheReadTokens: number;
  costUsd: number;
  responses: number;
  unpricedResponses: number;
  firstTs: number;
  lastTs: number;
}

export interface GroupedSums extends UsageSums {
  key: string;
  model: string;
  /** For session groups: the session's project. */
  project?: string;
}

/** bucket15m: 15-minute buckets (epoch ms / 900,000); ts: each distinct timestamp (5-hour blocks). */
export type GroupColumn = 'session' | 'project' | 'model' | 'agent' | 'bucket15m' | 'ts';

export interface Range {
  sinceMs?: number | undefined;
  untilMs?: number | undefined;
  sessionId?: string | undefined;
}

const BUSY_TIMEOUT_MS = 10_000;

/** Synchronous, prepared statements, bound parameters only; `using` closes it. */
export class UsageIndex extends SqliteStore {

  static open(sqlite: SqliteModule, dir: string): UsageIndex {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    const file = join(dir, INDEX_FILE);
    // It holds (redacted) command summaries: private like the session stores. Created 0600 before
    // SQLite touches it, so its -wal and -shm get the same mode; an older, wider one is narrowed.
    try {
      closeSync(openSync(file, 'wx', 0o600));
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      try {
        if ((statSync(file).mode & 0o077) !== 0) chmodSync(file, 0o600);
      } catch {
        // not ours to change: used as it is
      }
    }
    return UsageIndex.openFile(sqlite, file);
  }

  static openFile(sqlite: SqliteModule, file: string): UsageIndex {
    const db = new sqlite.Database(file, { timeout: BUSY_TIMEOUT_MS, nativeBinding: sqlite.nativeBinding as unknown as string });
    try {
      db.pragma('journal_mode = WAL');
      // A cache: losing the last commit to an OS crash only means reading those bytes again.
      db.pragma('synchronous = OFF');
      migrateIndex(db);
      return new UsageIndex(db);
    } catch (err) {
      db.close();
      throw err;
    }
  }



  getMeta(key: string): string | undefined {
    return (this.stmt(`SELECT value FROM meta WHERE key = ?`).get(key) as { value: string } | undefined)?.value;
  }

  setMeta(key: string, value: string): void {
    this.stmt(`INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value`).run(key, value);
  }

  allFiles(): Map<string, FileRow> {
    const rows = this.stmt(
      `SELECT id, path, session_id AS sessionId, project, agent_id AS agentId, agent_type AS agentType, offset, size, mtime_ms AS mtimeMs, ino FROM files`,
    ).all() as FileRow[];
    return new Map(rows.map((r) => [r.path, r]));
  }

  addFile(f: Omit<FileRow, 'id'>): FileRow {
    const id = this.stmt(
      `INSERT INTO files (path, session_id, project, agent_id, agent_type, offset, size, mtime_ms, ino) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
    ).get(f.path, f.sessionId, f.project, f.agentId, f.agentType, f.offset, f.size, f.mtimeMs, f.ino) as { id: number };
    return { ...f, id: id.id };
  }

  /** The file was truncated or replaced: what was read from it no longer describes it. */
  resetFile(id: number, ino: string): void {
    this.stmt(`DELETE FROM responses WHERE file_id = ?`).run(id);
    this.stmt(`DELETE FROM tool_calls WHERE file_id = ?`).run(id);
    this.stmt(`DELETE FROM prompts WHERE file_id = ?`).run(id);
    this.stmt(`UPDATE files SET offset = 0, size = 0, ino = ?, malformed_lines = 0 WHERE id = ?`).run(ino, id);
  }

  advanceFile(id: number, offset: number, size: number, mtimeMs: number, malformed: number, agentType: string | null): void {
    this.stmt(
      `UPDATE files SET offset = ?, size = ?, mtime_ms = ?, malformed_lines = malformed_lines + ?, agent_type = coalesce(?, agent_type) WHERE id = ?`,
    ).run(offset, size, mtimeMs, malformed, agentType, id);
  }

  /**
   * Counts a response once across the whole history. A later copy replaces the kept one only when
   * it is more complete: a main-chain copy beats a sidechain copy, then more tokens win (streaming
   * can write a block before the final usage is known). The rule ccusage applies.
   */
  upsertResponse(r: ResponseRow): void {
    this.stmt(
      `INSERT INTO responses (message_id, request_id, file_id, session_id, project, agent_key, model, input_tokens, output_tokens,
         cache_creation_tokens, cache_creation_5m_tokens, cache_creation_1h_tokens, cache_read_tokens, cost_usd, ts, sidechain)
       VALUES (@messageId, @requestId, @fileId, @sessionId, @project, @agentKey, @model, @inputTokens, @outputTokens,
         @cacheCreationTokens, @cacheCreation5mTokens, @cacheCreation1hTokens, @cacheReadTokens, @costUsd, @ts, @sidechain)
       ON CONFLICT (message_id, request_id) DO UPDATE SET
         file_id = excluded.file_id, session_id = excluded.session_id, project = excluded.project, agent_key = excluded.agent_key,
         model = excluded.model, input_tokens = excluded.input_tokens, output_tokens = excluded.output_tokens,
         cache_creation_tokens = excluded.cache_creation_tokens, cache_creation_5m_tokens = excluded.cache_creation_5m_tokens,
         cache_creation_1h_tokens = excluded.cache_creation_1h_tokens, cache_read_tokens = excluded.cache_read_tokens,
         cost_usd = excluded.cost_usd, ts = excluded.ts, sidechain = excluded.sidechain
       WHERE (responses.sidechain = 1 AND excluded.sidechain = 0)
          OR (responses.sidechain = excluded.sidechain AND
              excluded.input_tokens + excluded.output_tokens + excluded.cache_creation_tokens + excluded.cache_read_tokens >
              responses.input_tokens + responses.output_tokens + responses.cache_creation_tokens + responses.cache_read_tokens)`,
    ).run(r);
  }

  noteModel(model: string): void {
    this.stmt(`INSERT INTO models (model) VALUES (?) ON CONFLICT DO NOTHING`).run(model);
  }

  models(): string[] {
    return (this.stmt(`SELECT model FROM models ORDER BY model`).all() as Array<{ model: string }>).map((r) => r.model);
  }

  addToolCall(t: ToolCallRow): void {
    this.stmt(
      `INSERT INTO tool_calls (tool_use_id, file_id, session_id, agent_key, message_id, name, summary, ts)
       VALUES (@toolUseId, @fileId, @sessionId, @agentKey, @messageId, @name, @summary, @ts) ON CONFLICT DO NOTHING`,
    ).run(t);
  }

  finishToolCall(toolUseId: string, outcome: string, resultChars: number): void {
    this.stmt(`UPDATE tool_calls SET outcome = ?, result_chars = ? WHERE tool_use_id = ?`).run(outcome, resultChars, toolUseId);
  }

  /** Re-prices every response (the price table or the user's overrides changed). */
  reprice(priceOf: (r: ResponseRow) => number | null): void {
    const update = this.stmt(`UPDATE responses SET cost_usd = ? WHERE message_id = ? AND request_id = ?`);
    const rows = this.stmt(
      `SELECT message_id AS messageId, request_id AS requestId, model, input_tokens AS inputTokens, output_tokens AS outputTokens,
              cache_creation_tokens AS cacheCreationTokens, cache_creation_5m_tokens AS cacheCreation5mTokens,
              cache_creation_1h_tokens AS cacheCreation1hTokens, cache_read_tokens AS cacheReadTokens FROM responses`,
    ).all() as ResponseRow[];
    for (const r of rows) update.run(priceOf(r), r.messageId, r.requestId);
  }

  malformedLines(sessionId?: string): number {
    const row = sessionId
      ? this.stmt(`SELECT coalesce(sum(malformed_lines), 0) AS n FROM files WHERE session_id = ?`).get(sessionId)
      : this.stmt(`SELECT coalesce(sum(malformed_lines), 0) AS n FROM files`).get();
    return (row as { n: number }).n;
  }

  /** Sums per (group, model) in the range: what every table report is built from. */
  groupedSums(column: GroupColumn, range: Range): GroupedSums[] {
    const key = {
      session: 'r.session_id',
      project: 'r.project',
      model: 'r.model',
      agent: `CASE WHEN r.agent_key = 'main' THEN 'main' ELSE coalesce(f.agent_type, 'subagent') END`,
      bucket15m: 'CAST(r.ts / 900000 AS TEXT)',
      ts: 'CAST(r.ts AS TEXT)',
    }[column];
    const { where, params } = rangeClause(range);
    return this.stmt(
      `SELECT ${key} AS key, r.model AS model, ${column === 'session' ? 'max(r.project) AS project,' : ''}
              sum(r.input_tokens) AS inputTokens, sum(r.output_tokens) AS outputTokens,
              sum(r.cache_creation_tokens) AS cacheCreationTokens, sum(r.cache_read_tokens) AS cacheReadTokens,
              coalesce(sum(r.cost_usd), 0) AS costUsd, count(*) AS responses, sum(r.cost_usd IS NULL) AS unpricedResponses,
              min(r.ts) AS firstTs, max(r.ts) AS lastTs
       FROM responses r ${column === 'agent' ? 'JOIN files f ON f.id = r.file_id' : ''}
       ${where} GROUP BY 1, 2`,
    ).all(...params) as GroupedSums[];
  }

  /** Every response in the range, oldest first (5-hour blocks and per-call attribution need each one). */
  responses(range: Range): Array<ResponseRow & { agentType: string | null }> {
    const { where, params } = rangeClause(range);
    return this.stmt(
      `SELECT r.message_id AS messageId, r.request_id AS requestId, r.file_id AS fileId, r.session_id AS sessionId, r.project,
              r.agent_key AS agentKey, r.model, r.input_tokens AS inputTokens, r.output_tokens AS outputTokens,
              r.cache_creation_tokens AS cacheCreationTokens, r.cache_creation_5m_tokens AS cacheCreation5mTokens,
              r.cache_creation_1h_tokens AS cacheCreation1hTokens, r.cache_read_tokens AS cacheReadTokens,
              r.cost_usd AS costUsd, r.ts, r.sidechain, f.agent_type AS agentType
       FROM responses r JOIN files f ON f.id = r.file_id ${where} ORDER BY r.session_id, r.ts, r.message_id`,
    ).all(...params) as Array<ResponseRow & { agentType: string | null }>;
  }

  /** A session's tool calls, with their results' size and outcome once seen. */
  toolCalls(sessionId: string): Array<ToolCallRow & { resultChars: number | null; outcome: string | null }> {
    return this.stmt(
      `SELECT tool_use_id AS toolUseId, file_id AS fileId, session_id AS sessionId, agent_key AS agentKey, message_id AS messageId,
              name, summary, ts, result_chars AS resultChars, outcome FROM tool_calls WHERE session_id = ?`,
    ).all(sessionId) as Array<ToolCallRow & { resultChars: number | null; outcome: string | null }>;
  }

  addPrompt(fileId: number, sessionId: string, ts: number): void {
    this.stmt(`INSERT INTO prompts (file_id, session_id, ts) VALUES (?, ?, ?)`).run(fileId, sessionId, ts);
  }

  /** When the user's prompts of a session arrived (epoch ms), oldest first. */
  prompts(sessionId: string): number[] {
    return (this.stmt(`SELECT ts FROM prompts WHERE session_id = ? ORDER BY ts`).all(sessionId) as Array<{ ts: number }>).map((r) => r.ts);
  }

  /**
   * Every session's main-agent mean context per response (input + cache tokens), with its project
   * and first activity: what context-bloat baselines are computed from, over the whole history.
   */
  sessionContexts(): Array<{ sessionId: string; project: string; firstTs: number; meanContext: number }> {
    return this.stmt(
      `SELECT session_id AS sessionId, max(project) AS project, min(ts) AS firstTs,
              avg(input_tokens + cache_creation_tokens + cache_read_tokens) AS meanContext
       FROM responses WHERE agent_key = 'main' AND model != '<synthetic>' AND ts > 0 GROUP BY session_id ORDER BY firstTs, session_id`,
    ).all() as Array<{ sessionId: string; project: string; firstTs: number; meanContext: number }>;
  }

  /** Responses per session (all of them, whatever the report's range). */
  responseCounts(): Map<string, number> {
    const rows = this.stmt(`SELECT session_id AS sessionId, count(*) AS n FROM responses GROUP BY session_id`).all() as Array<{ sessionId: string; n: number }>;
    return new Map(rows.map((r) => [r.sessionId, r.n]));
  }

  /** Changes whenever another connection commits to the index (SQLite's data_version). */
  dataVersion(): number {
    return this.db.pragma('data_version', { simple: true }) as number;
  }

  /** Every stored rollup (body unparsed); see the `rollups` table. */
  rollups(): Map<string, { key: string; body: string }> {
    const rows = this.stmt(`SELECT session_id AS sessionId, key, body FROM rollups`).all() as Array<{ sessionId: string; key: string; body: string }>;
    return new Map(rows.map((r) => [r.sessionId, { key: r.key, body: r.body }]));
  }

  putRollup(sessionId: string, key: string, body: string): void {
    this.stmt(`INSERT INTO rollups (session_id, key, body) VALUES (?, ?, ?) ON CONFLICT (session_id) DO UPDATE SET key = excluded.key, body = excluded.body`).run(
      sessionId,
      key,
      body,
    );
  }

  hasSession(sessionId: string): boolean {
    return this.stmt(`SELECT 1 FROM files WHERE session_id = ? LIMIT 1`).get(sessionId) !== undefined;
  }

}

function rangeClause(range: Range): { where: string; params: Array<string | number> } {
  const conditions: string[] = [];
  const params: Array<string | number> = [];
  if (range.sessionId !== undefined) {
    conditions.push('r.session_id = ?');
    params.push(range.sessionId);
  }
  if (range.sinceMs !== undefined) {
    conditions.push('r.ts >= ?');
    params.push(range.sinceMs);
  }
  if (range.untilMs !== undefined) {
    conditions.push('r.ts <= ?');
    params.push(range.untilMs);
  }
  return { where: conditions.length > 0 ? `WHERE ${conditions.join(' AND ')}` : '', params };
}

function migrateIndex(db: Db): void {
  db.transaction(() => {
    const version = db.pragma('user_version', { simple: true }) as number;
    if (version > MIGRATIONS.length) throw new Error(`report index schema v${version} is newer than this costguard`);
    for (let v = version; v < MIGRATIONS.length; v++) db.exec(MIGRATIONS[v] as string);
    if (version !== MIGRATIONS.length) db.pragma(`user_version = ${MIGRATIONS.length}`);
  }).immediate();
}
