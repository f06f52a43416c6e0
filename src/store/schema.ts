/**
 * Versioned schema: MIGRATIONS[i] takes a store from user_version i to i+1. Append only; never edit a
 * shipped step.
 */
export const MIGRATIONS: readonly string[] = [
  `
  CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
  INSERT INTO meta (key, value) VALUES ('seq', '0'), ('last_prompt_seq', '0'), ('last_prompt_at', '0'), ('compactions', '0');

  -- Running session totals, kept by upsertUsage so a hook never sums the whole usage table.
  CREATE TABLE totals (id INTEGER PRIMARY KEY CHECK (id = 1), cost_usd REAL NOT NULL, unpriced INTEGER NOT NULL);
  INSERT INTO totals (id, cost_usd, unpriced) VALUES (1, 0, 0);

  -- One row per tool call of the main agent or a subagent.
  CREATE TABLE calls (
    tool_use_id TEXT PRIMARY KEY,
    agent_key TEXT NOT NULL,          -- 'main' or the subagent's agent_id
    agent_type TEXT,
    tool_name TEXT NOT NULL,
    summary TEXT NOT NULL,            -- normalized, redacted, bounded input description
    target_path TEXT,
    outcome TEXT NOT NULL,            -- see Outcome in src/guards/types.ts
    error TEXT,                       -- truncated, redacted
    guard TEXT,                       -- the costguard guard that denied or warned about it
    guard_message TEXT,
    started_at INTEGER,               -- epoch ms
    ended_at INTEGER,
    duration_ms INTEGER,
    done_seq INTEGER,                 -- completion order (meta.seq), for streaks
    in_transcript INTEGER NOT NULL DEFAULT 0, -- its tool_use block was read from the transcript
    sig_key TEXT,                     -- tool-duplication signature (normalized arguments)
    sig_tokens TEXT,                  -- its tokens, joined by U+001F
    modifies INTEGER NOT NULL DEFAULT 0 -- the call may change files (Edit/Write, modifying Bash)
  );
  CREATE INDEX calls_by_agent_done ON calls (agent_key, done_seq);
  CREATE INDEX calls_by_started ON calls (started_at);

  -- User prompts, compactions, session starts/ends, subagent starts/stops, threshold crossings.
  CREATE TABLE events (
    seq INTEGER NOT NULL,
    kind TEXT NOT NULL,
    agent_key TEXT,
    at INTEGER NOT NULL,
    detail TEXT
  );

  -- What each agent has read and may still have in context (guard state for duplicate reads).
  CREATE TABLE reads (
    agent_key TEXT NOT NULL,
    path TEXT NOT NULL,
    start_line INTEGER NOT NULL,
    end_line INTEGER,                 -- NULL: through the end of the file
    mtime_ms REAL,
    size INTEGER,
    at INTEGER NOT NULL,
    tool_use_id TEXT NOT NULL
  );
  CREATE INDEX reads_by_agent_path ON reads (agent_key, path);

  -- One row per API response (message.id + requestId), from the transcripts.
  CREATE TABLE usage (
    message_id TEXT NOT NULL,
    request_id TEXT NOT NULL,
    agent_key TEXT NOT NULL,
    model TEXT NOT NULL,
    input_tokens INTEGER NOT NULL,
    output_tokens INTEGER NOT NULL,
    cache_creation_tokens INTEGER NOT NULL,
    cache_creation_5m_tokens INTEGER NOT NULL,
    cache_creation_1h_tokens INTEGER NOT NULL,
    cache_read_tokens INTEGER NOT NULL,
    cost_usd REAL,                    -- NULL: model not priced
    timestamp TEXT NOT NULL,
    PRIMARY KEY (message_id, request_id)
  );
  CREATE INDEX usage_by_agent_time ON usage (agent_key, timestamp);

  -- Byte offsets already read, per transcript file.
  CREATE TABLE cursors (path TEXT PRIMARY KEY, offset INTEGER NOT NULL, malformed_lines INTEGER NOT NULL DEFAULT 0);

  CREATE TABLE agents (agent_id TEXT PRIMARY KEY, agent_type TEXT, started_at INTEGER, stopped_at INTEGER);

  -- Warnings and user notices already given (each is given once).
  CREATE TABLE notices (key TEXT PRIMARY KEY, at INTEGER NOT NULL);
  `,
];

export const SCHEMA_VERSION = MIGRATIONS.length;
