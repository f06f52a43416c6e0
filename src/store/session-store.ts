import type { Database as Db } from 'better-sqlite3';
import { SqliteStore } from './sqlite-store.js';
import type { ResponseTokens } from '../transcript/types.js';
import { FAILED_OUTCOMES, type CallRecord, type Outcome } from '../guards/types.js';
import type { PriorRead } from '../guards/duplicate-read.js';
import type { CallSignature, PriorCall } from '../guards/tool-duplication.js';
import { MIGRATIONS, SCHEMA_VERSION } from './schema.js';

export interface CallStart {
  toolUseId: string;
  agentKey: string;
  agentType: string | undefined;
  toolName: string;
  summary: string;
  targetPath: string | undefined;
  at: number;
  signature?: CallSignature | undefined;
}

export interface CallFinish extends CallStart {
  outcome: Exclude<Outcome, 'pending' | 'denied'>;
  error: string | undefined;
  durationMs: number | undefined;
}

export interface UsageRow extends ResponseTokens {
  agentKey: string;
  costUsd: number | null;
  timestamp: string;
}

export interface ReadRow {
  agentKey: string;
  path: string;
  start: number;
  end: number | null;
  mtimeMs: number | null;
  size: number | null;
  at: number;
  toolUseId: string;
}

export class StoreVersionError extends Error {}

/** Brings a database to the current schema. Runs inside an immediate transaction, so concurrent openers serialize. */
export function migrate(db: Db): void {
  db.transaction(() => {
    const version = db.pragma('user_version', { simple: true }) as number;
    if (version > SCHEMA_VERSION) {
      throw new StoreVersionError(`store schema v${version} is newer than this costguard (v${SCHEMA_VERSION})`);
    }
    for (let v = version; v < SCHEMA_VERSION; v++) db.exec(MIGRATIONS[v] as string);
    if (version !== SCHEMA_VERSION) db.pragma(`user_version = ${SCHEMA_VERSION}`);
  }).immediate();
}

/**
 * The one place that runs SQL for a session. Synchronous (better-sqlite3), bound parameters only.
 * Every write path is idempotent, because concurrent hook processes may see the same fact twice
 * (a PostToolUseFailure and the transcript's is_error both report one failure).
 */
export class SessionStore extends SqliteStore {



  private nextSeq(): number {
    const row = this.stmt(`UPDATE meta SET value = CAST(value AS INTEGER) + 1 WHERE key = 'seq' RETURNING value`).get() as { value: number };
    return Number(row.value);
  }

  private metaNumber(key: string): number {
    const row = this.stmt(`SELECT value FROM meta WHERE key = ?`).get(key) as { value: string } | undefined;
    return row ? Number(row.value) : 0;
  }

  startCall(c: CallStart): void {
    const sig = c.signature;
    this.stmt(
      `INSERT INTO calls (tool_use_id, agent_key, agent_type, tool_name, summary, target_path, outcome, started_at, sig_key, sig_tokens, modifies)
       VALUES (?, ?, ?, ?, ?, ?, 'pending', ?, ?, ?, ?)
       ON CONFLICT (tool_use_id) DO UPDATE SET
         sig_key = excluded.sig_key, sig_tokens = excluded.sig_tokens, modifies = excluded.modifies,
         agent_type = coalesce(calls.agent_type, excluded.agent_type), target_path = coalesce(calls.target_path, excluded.target_path)`,
    ).run(c.toolUseId, c.agentKey, c.agentType ?? null, c.toolName, c.summary, c.targetPath ?? null, c.at, sig?.key ?? null, sig ? sig.tokens.join('\u001f') : null, sig?.modifies ? 1 : 0);
  }

  /** This agent's latest calls before this one, newest first: what a repeated call is compared with. */
  priorCalls(agentKey: string, exceptToolUseId: string, window: number): PriorCall[] {
    const rows = this.stmt(
      `SELECT tool_use_id, tool_name, summary, outcome, started_at, sig_key, sig_tokens, modifies FROM calls
       WHERE agent_key = ? AND tool_use_id != ? ORDER BY rowid DESC LIMIT ?`,
    ).all(agentKey, exceptToolUseId, window) as Array<{
      tool_use_id: string;
      tool_name: string;
      summary: string;
      outcome: string;
      started_at: number | null;
      sig_key: string | null;
      sig_tokens: string | null;
      modifies: number;
    }>;
    return rows.map((r) => ({
      toolUseId: r.tool_use_id,
      toolName: r.tool_name,
      summary: r.summary,
      outcome: r.outcome,
      at: r.started_at ?? 0,
      signature: r.sig_key === null && !r.modifies ? undefined : { key: r.sig_key ?? '', tokens: r.sig_tokens ? r.sig_tokens.split('\u001f') : [], modifies: r.modifies === 1 },
    }));
  }

  /** Calls by every agent since the user's last prompt, and when that prompt was. */
  callsSincePrompt(): { calls: number; promptAt: number } {
    const promptAt = this.metaNumber('last_prompt_at');
    const row = this.stmt(`SELECT count(*) AS n FROM calls WHERE started_at >= ? AND outcome != 'denied'`).get(promptAt) as { n: number };
    return { calls: row.n, promptAt };
  }

  /** What agents of one type ("main", or a subagent type) have cost in this session. */
  agentTypeCost(agentType: string): number {
    const row =
      agentType === 'main'
        ? this.stmt(`SELECT coalesce(sum(cost_usd), 0) AS usd FROM usage WHERE agent_key = 'main'`).get()
        : this.stmt(`SELECT coalesce(sum(u.cost_usd), 0) AS usd FROM usage u JOIN agents a ON a.agent_id = u.agent_key WHERE a.agent_type = ?`).get(agentType);
    return (row as { usd: number }).usd;
  }

  /** This session's cost per UTC day (for the cross-session daily ledger). */
  costByDay(): Array<{ day: string; usd: number }> {
    return this.stmt(`SELECT substr(timestamp, 1, 10) AS day, coalesce(sum(cost_usd), 0) AS usd FROM usage GROUP BY day`).all() as Array<{ day: string; usd: number }>;
  }

  /** Records a result. The first final outcome wins; a pending call is completed; an unknown call is created. */
  finishCall(c: CallFinish): void {
    const seq = this.nextSeq();
    this.stmt(
      `INSERT INTO calls (tool_use_id, agent_key, agent_type, tool_name, summary, target_path, outcome, error,
                          started_at, ended_at, duration_ms, done_seq)
       VALUES (@toolUseId, @agentKey, @agentType, @toolName, @summary, @targetPath, @outcome, @error, @at, @at, @durationMs, @seq)
       ON CONFLICT (tool_use_id) DO UPDATE SET
         outcome = excluded.outcome, error = excluded.error, ended_at = excluded.ended_at,
         duration_ms = coalesce(excluded.duration_ms, calls.duration_ms), done_seq = excluded.done_seq
       WHERE calls.outcome = 'pending'`,
    ).run({
      toolUseId: c.toolUseId,
      agentKey: c.agentKey,
      agentType: c.agentType ?? null,
      toolName: c.toolName,
      summary: c.summary,
      targetPath: c.targetPath ?? null,
      outcome: c.outcome,
      error: c.error ?? null,
      at: c.at,
      durationMs: c.durationMs ?? null,
      seq,
    });
  }

  /**
   * A tool_use block read from the transcript: creates the call if no hook reported it yet, and
   * marks it seen, which tells PreToolUse that the response that issued it (and its usage) is in.
   */
  noteToolUse(c: CallStart): void {
    this.stmt(
      `INSERT INTO calls (tool_use_id, agent_key, agent_type, tool_name, summary, target_path, outcome, started_at, in_transcript)
       VALUES (?, ?, ?, ?, ?, ?, 'pending', ?, 1) ON CONFLICT (tool_use_id) DO UPDATE SET in_transcript = 1`,
    ).run(c.toolUseId, c.agentKey, c.agentType ?? null, c.toolName, c.summary, c.targetPath ?? null, c.at);
  }

  isInTranscript(toolUseId: string): boolean {
    const row = this.stmt(`SELECT in_transcript FROM calls WHERE tool_use_id = ?`).get(toolUseId) as { in_transcript: number } | undefined;
    return row?.in_transcript === 1;
  }

  markGuarded(toolUseId: string, guard: string, message: string, denied: boolean): void {
    this.stmt(
      `UPDATE calls SET guard = ?, guard_message = ?, outcome = CASE WHEN ? THEN 'denied' ELSE outcome END WHERE tool_use_id = ?`,
    ).run(guard, message, denied ? 1 : 0, toolUseId);
  }

  callOutcome(toolUseId: string): Outcome | undefined {
    const row = this.stmt(`SELECT outcome FROM calls WHERE tool_use_id = ?`).get(toolUseId) as { outcome: Outcome } | undefined;
    return row?.outcome;
  }

  /**
   * This agent's completed calls since the user's last prompt, newest first (denied and pending left
   * out), up to and including the first that did not fail: all a streak needs, however long the history.
   */
  recentCalls(agentKey: string, max: number): CallRecord[] {
    const rows = this.stmt(
      `SELECT tool_use_id, tool_name, summary, outcome, error FROM calls
       WHERE agent_key = ? AND done_seq > ? AND outcome NOT IN ('pending', 'denied')
       ORDER BY done_seq DESC`,
    ).iterate(agentKey, this.metaNumber('last_prompt_seq')) as IterableIterator<{
      tool_use_id: string;
      tool_name: string;
      summary: string;
      outcome: Outcome;
      error: string | null;
    }>;
    const out: CallRecord[] = [];
    for (const r of rows) {
      out.push({ toolUseId: r.tool_use_id, toolName: r.tool_name, summary: r.summary, outcome: r.outcome, error: r.error ?? undefined });
      if (out.length >= max || (!FAILED_OUTCOMES.has(r.outcome) && r.outcome !== 'interrupted')) {
        rows.return?.();
        break;
      }
    }
    return out;
  }

  recordEvent(kind: string, agentKey: string | undefined, at: number, detail?: string): number {
    const seq = this.nextSeq();
    this.stmt(`INSERT INTO events (seq, kind, agent_key, at, detail) VALUES (?, ?, ?, ?, ?)`).run(seq, kind, agentKey ?? null, at, detail ?? null);
    return seq;
  }

  countEvents(kind: string): number {
    return (this.stmt(`SELECT count(*) AS n FROM events WHERE kind = ?`).get(kind) as { n: number }).n;
  }

  /** A user prompt ends every streak (the user has been heard). */
  recordPrompt(at: number): void {
    const seq = this.recordEvent('prompt', 'main', at);
    this.stmt(`UPDATE meta SET value = ? WHERE key = 'last_prompt_seq'`).run(String(seq));
    this.stmt(`UPDATE meta SET value = ? WHERE key = 'last_prompt_at'`).run(String(at));
  }

  /** After a compaction the main agent no longer holds what it read: re-reading is legitimate. */
  recordCompaction(at: number, detail: string): void {
    this.recordEvent('compaction', 'main', at, detail);
    this.stmt(`UPDATE meta SET value = CAST(value AS INTEGER) + 1 WHERE key = 'compactions'`).run();
    this.stmt(`DELETE FROM reads WHERE agent_key = 'main'`).run();
  }

  compactions(): number {
    return this.metaNumber('compactions');
  }

  priorReads(agentKey: string, paths: readonly string[]): PriorRead[] {
    const out: PriorRead[] = [];
    for (const path of new Set(paths)) {
      const rows = this.stmt(
        `SELECT path, start_line, end_line, mtime_ms, size, at, tool_use_id FROM reads WHERE agent_key = ? AND path = ?`,
      ).all(agentKey, path) as Array<{ path: string; start_line: number; end_line: number | null; mtime_ms: number | null; size: number | null; at: number; tool_use_id: string }>;
      for (const r of rows) {
        out.push({ path: r.path, start: r.start_line, end: r.end_line, mtimeMs: r.mtime_ms, size: r.size, at: r.at, toolUseId: r.tool_use_id });
      }
    }
    return out;
  }

  addRead(r: ReadRow): void {
    this.stmt(
      `INSERT INTO reads (agent_key, path, start_line, end_line, mtime_ms, size, at, tool_use_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
    ).run(r.agentKey, r.path, r.start, r.end, r.mtimeMs, r.size, r.at, r.toolUseId);
  }

  /** The file changed (an edit, or a different stamp on disk): no agent's earlier read describes it any more. */
  invalidateReads(path: string): void {
    this.stmt(`DELETE FROM reads WHERE path = ?`).run(path);
  }

  getCursor(path: string): number {
    const row = this.stmt(`SELECT offset FROM cursors WHERE path = ?`).get(path) as { offset: number } | undefined;
    return row?.offset ?? 0;
  }

  setCursor(path: string, offset: number, malformedLines: number): void {
    this.stmt(
      `INSERT INTO cursors (path, offset, malformed_lines) VALUES (?, ?, ?)
       ON CONFLICT (path) DO UPDATE SET offset = excluded.offset, malformed_lines = cursors.malformed_lines + excluded.malformed_lines`,
    ).run(path, offset, malformedLines);
  }

  /**
   * Counts a response once; a later, more complete line of the same response (more output tokens)
   * replaces it. Keeps the session totals in step, so reading them costs the same at any history size.
   */
  upsertUsage(u: UsageRow): void {
    const old = this.stmt(`SELECT output_tokens, cost_usd FROM usage WHERE message_id = ? AND request_id = ?`).get(u.messageId, u.requestId) as
      | { output_tokens: number; cost_usd: number | null }
      | undefined;
    if (old && u.outputTokens <= old.output_tokens) return;
    this.stmt(
      `INSERT OR REPLACE INTO usage (message_id, request_id, agent_key, model, input_tokens, output_tokens, cache_creation_tokens,
                          cache_creation_5m_tokens, cache_creation_1h_tokens, cache_read_tokens, cost_usd, timestamp)
       VALUES (@messageId, @requestId, @agentKey, @model, @inputTokens, @outputTokens, @cacheCreationTokens,
               @cacheCreation5mTokens, @cacheCreation1hTokens, @cacheReadTokens, @costUsd, @timestamp)`,
    ).run(u);
    const costDelta = (u.costUsd ?? 0) - (old?.cost_usd ?? 0);
    const unpricedDelta = (u.costUsd === null ? 1 : 0) - (old && old.cost_usd === null ? 1 : 0);
    this.stmt(`UPDATE totals SET cost_usd = cost_usd + ?, unpriced = unpriced + ? WHERE id = 1`).run(costDelta, unpricedDelta);
  }

  /** The agent's context size: input + cache tokens of its latest response. */
  contextTokens(agentKey: string): number | undefined {
    const row = this.stmt(
      `SELECT input_tokens + cache_creation_tokens + cache_read_tokens AS tokens FROM usage
       WHERE agent_key = ? AND model != '<synthetic>' ORDER BY timestamp DESC, rowid DESC LIMIT 1`,
    ).get(agentKey) as { tokens: number } | undefined;
    return row?.tokens;
  }

  /** The main agent's mean context per turn so far (input + cache tokens), and over how many turns. */
  mainContextStats(): { meanContext: number; responses: number } {
    const row = this.stmt(
      `SELECT coalesce(avg(input_tokens + cache_creation_tokens + cache_read_tokens), 0) AS mean, count(*) AS n FROM usage
       WHERE agent_key = 'main' AND model != '<synthetic>'`,
    ).get() as { mean: number; n: number };
    return { meanContext: row.mean, responses: row.n };
  }

  getMeta(key: string): string | undefined {
    return (this.stmt(`SELECT value FROM meta WHERE key = ?`).get(key) as { value: string } | undefined)?.value;
  }

  sessionCost(): { usd: number; unpriced: number } {
    return this.stmt(`SELECT cost_usd AS usd, unpriced FROM totals WHERE id = 1`).get() as { usd: number; unpriced: number };
  }

  /** Returns true the first time a key is claimed: for warnings and notices given once. */
  claimNotice(key: string, at: number): boolean {
    return this.stmt(`INSERT INTO notices (key, at) VALUES (?, ?) ON CONFLICT (key) DO NOTHING`).run(key, at).changes === 1;
  }

  recordAgentStart(agentId: string, agentType: string | undefined, at: number): void {
    this.stmt(
      `INSERT INTO agents (agent_id, agent_type, started_at) VALUES (?, ?, ?)
       ON CONFLICT (agent_id) DO UPDATE SET agent_type = coalesce(excluded.agent_type, agents.agent_type)`,
    ).run(agentId, agentType ?? null, at);
  }

  recordAgentStop(agentId: string, agentType: string | undefined, at: number): void {
    this.stmt(
      `INSERT INTO agents (agent_id, agent_type, stopped_at) VALUES (?, ?, ?)
       ON CONFLICT (agent_id) DO UPDATE SET stopped_at = excluded.stopped_at, agent_type = coalesce(agents.agent_type, excluded.agent_type)`,
    ).run(agentId, agentType ?? null, at);
  }

  setMeta(key: string, value: string): void {
    this.stmt(`INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value`).run(key, value);
  }
}
