import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { SqliteModule } from '../store/native.js';
import { sessionFileName, sessionsDir } from '../store/open.js';
import type { StoredCall } from './findings.js';

/** The calls a session's costguard store recorded, read-only; undefined when there is no store. */
export function readStoredCalls(sqlite: SqliteModule, dataDirs: readonly string[], sessionId: string): StoredCall[] | undefined {
  for (const dir of dataDirs) {
    const file = join(sessionsDir(dir), sessionFileName(sessionId));
    if (!existsSync(file)) continue;
    const db = new sqlite.Database(file, { readonly: true, fileMustExist: true, timeout: 3000, nativeBinding: sqlite.nativeBinding as unknown as string });
    try {
      return db
        .prepare(
          `SELECT tool_use_id AS toolUseId, agent_key AS agentKey, tool_name AS toolName, summary, target_path AS targetPath, outcome, error,
                  guard, guard_message AS guardMessage, started_at AS startedAt, done_seq AS doneSeq FROM calls`,
        )
        .all() as StoredCall[];
    } finally {
      db.close();
    }
  }
  return undefined;
}
