import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { SqliteModule } from '../store/native.js';
import { sessionFileName, sessionsDir } from '../store/open.js';
import type { StoredCall } from './findings.js';

/** What the report reads from a session's costguard store. */
export interface StoredSession {
  calls: StoredCall[];
  /** When the user's prompts arrived (epoch ms). */
  prompts: number[];
  /** SessionStart's model: the one the session asked for. */
  requestedModel?: string;
}

/** A session's costguard store, read-only; undefined when there is no store. */
export function readSessionStore(sqlite: SqliteModule, dataDirs: readonly string[], sessionId: string): StoredSession | undefined {
  for (const dir of dataDirs) {
    const file = join(sessionsDir(dir), sessionFileName(sessionId));
    if (!existsSync(file)) continue;
    const db = new sqlite.Database(file, { readonly: true, fileMustExist: true, timeout: 3000, nativeBinding: sqlite.nativeBinding as unknown as string });
    try {
      const calls = db
        .prepare(
          `SELECT tool_use_id AS toolUseId, agent_key AS agentKey, tool_name AS toolName, summary, target_path AS targetPath, outcome, error,
                  guard, guard_message AS guardMessage, started_at AS startedAt, done_seq AS doneSeq FROM calls`,
        )
        .all() as StoredCall[];
      const prompts = (db.prepare(`SELECT at FROM events WHERE kind = 'prompt' ORDER BY at`).all() as Array<{ at: number }>).map((r) => r.at);
      const model = db.prepare(`SELECT value FROM meta WHERE key = 'model'`).get() as { value: string } | undefined;
      const stored: StoredSession = { calls, prompts };
      if (model?.value) stored.requestedModel = model.value;
      return stored;
    } finally {
      db.close();
    }
  }
  return undefined;
}
