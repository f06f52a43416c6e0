/** Running costguard itself (this repository, as built in dist/) in real claude sessions. */
import Database from 'better-sqlite3';
import fs from 'node:fs';
import path from 'node:path';
import { describeRun, makeSandbox, runClaude, type ClaudeRun, type RunClaudeOptions, type Sandbox } from './claude.js';
import { start, type FakeApi, type Turn } from './fake-api.js';

export const REPO_ROOT = path.resolve(import.meta.dirname, '..', '..', '..');

export interface GuardedSession {
  sb: Sandbox;
  api: FakeApi;
  /** Runs `claude -p` with costguard loaded by --plugin-dir; resumes the previous run's session when asked. */
  run(prompt: string, opts?: Partial<RunClaudeOptions> & { resumeLast?: boolean }): Promise<ClaudeRun>;
  /** The costguard store of a session (read-only). */
  store(sessionId: string): Database.Database;
  dataDir: string;
  close(): Promise<void>;
}

export async function startGuardedSession(script: Turn[] | ((sb: Sandbox) => Turn[]), opts: { config?: unknown } = {}): Promise<GuardedSession> {
  const sb = makeSandbox('costguard-guard');
  const api = await start(typeof script === 'function' ? script(sb) : script);
  if (opts.config !== undefined) {
    fs.mkdirSync(path.join(sb.project, '.claude'), { recursive: true });
    fs.writeFileSync(path.join(sb.project, '.claude', 'costguard.json'), JSON.stringify(opts.config));
  }
  const dataDir = path.join(sb.home, '.claude', 'plugins', 'data', 'costguard-inline');
  let last: ClaudeRun | undefined;
  const opened: Database.Database[] = [];
  return {
    sb,
    api,
    dataDir,
    async run(prompt, o = {}) {
      const { resumeLast, ...rest } = o;
      const resume = resumeLast ? last?.sessionId : undefined;
      last = await runClaude({ prompt, cwd: sb.project, home: sb.home, pluginDir: REPO_ROOT, apiUrl: api.url, ...(resume ? { resume } : {}), ...rest });
      return last;
    },
    store(sessionId) {
      const db = new Database(path.join(dataDir, 'sessions', `${sessionId}.sqlite`), { readonly: true, fileMustExist: true });
      opened.push(db);
      return db;
    },
    async close() {
      for (const db of opened) db.close();
      await api.close();
      sb.cleanup();
    },
  };
}

/** Nothing costguard logged as an internal failure: a green test must not hide a failed-open hook. */
export function costguardLog(dataDir: string): string {
  try {
    return fs.readFileSync(path.join(dataDir, 'costguard.log'), 'utf8');
  } catch {
    return '';
  }
}

export { describeRun };
