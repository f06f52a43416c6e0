import type { Database as Db, Statement } from 'better-sqlite3';

/**
 * What every costguard database wrapper shares: statements prepared once per process and reused,
 * and writes in BEGIN IMMEDIATE transactions (one writer at a time, waiting up to the busy timeout).
 */
export abstract class SqliteStore implements Disposable {
  private readonly statements = new Map<string, Statement>();

  constructor(readonly db: Db) {}

  protected stmt(sql: string): Statement {
    let s = this.statements.get(sql);
    if (!s) {
      s = this.db.prepare(sql);
      this.statements.set(sql, s);
    }
    return s;
  }

  write<T>(fn: () => T): T {
    return this.db.transaction(fn).immediate();
  }

  [Symbol.dispose](): void {
    this.db.close();
  }
}
