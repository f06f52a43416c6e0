import { closeSync, mkdirSync, openSync, renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { SqliteModule } from './native.js';
import { isCorruption } from './open.js';

/**
 * The cross-session ledger: each session's cost per UTC day, for the daily budget. Opened only by
 * hooks of users who set budgets.daily.usd, so nobody else pays for a second database per call.
 */
export function recordDayCostsAndSum(sqlite: SqliteModule, dataDir: string, sessionKey: string, costs: ReadonlyArray<{ day: string; usd: number }>, today: string): number {
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const file = join(dataDir, 'ledger.sqlite');
  try {
    return recordInto(sqlite, file, sessionKey, costs, today);
  } catch (err) {
    if (!isCorruption(err)) throw err;
    // Kept for inspection; the fresh ledger fills again as each session's hooks record their days.
    renameSync(file, `${file}.corrupt-${Date.now()}`);
    for (const suffix of ['-wal', '-shm']) rmSync(`${file}${suffix}`, { force: true });
    return recordInto(sqlite, file, sessionKey, costs, today);
  }
}

function recordInto(sqlite: SqliteModule, file: string, sessionKey: string, costs: ReadonlyArray<{ day: string; usd: number }>, today: string): number {
  try {
    closeSync(openSync(file, 'wx', 0o600));
  } catch {
    // exists
  }
  const db = new sqlite.Database(file, { timeout: 3000, nativeBinding: sqlite.nativeBinding as unknown as string });
  try {
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = OFF');
    return db
      .transaction(() => {
        db.exec(`CREATE TABLE IF NOT EXISTS day_cost (day TEXT NOT NULL, session TEXT NOT NULL, usd REAL NOT NULL, PRIMARY KEY (day, session))`);
        const upsert = db.prepare(`INSERT INTO day_cost (day, session, usd) VALUES (?, ?, ?) ON CONFLICT (day, session) DO UPDATE SET usd = excluded.usd`);
        for (const c of costs) upsert.run(c.day, sessionKey, c.usd);
        return (db.prepare(`SELECT coalesce(sum(usd), 0) AS usd FROM day_cost WHERE day = ?`).get(today) as { usd: number }).usd;
      })
      .immediate();
  } finally {
    db.close();
  }
}
