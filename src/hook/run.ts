import { join } from 'node:path';
import { loadConfigCached } from '../config/load.js';
import { shortHash } from '../shared/hash.js';
import { formatProblem } from '../config/resolve.js';
import { readFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { loadSqlite, type SqliteModule } from '../store/native.js';
import { installNativeModule } from '../store/native-install.js';
import { isCorruption, sessionFileName, sessionKeyOf, withSessionStore } from '../store/open.js';
import { pruneOldStores } from '../store/retention.js';
import { handleEvent } from './handle.js';
import { claimFileNotice, logError } from './log.js';
import { buildOutput, type HookOutput } from './output.js';
import { isHandledEvent, parsePayload } from './payload.js';

export type Env = Readonly<Record<string, string | undefined>>;

export function resolveDataDir(env: Env): string {
  if (env.CLAUDE_PLUGIN_DATA) return env.CLAUDE_PLUGIN_DATA;
  const claudeDir = env.CLAUDE_CONFIG_DIR || join(env.HOME || '/tmp', '.claude');
  return join(claudeDir, 'plugins', 'data', 'costguard-inline');
}


/** Classifies an internal error for the one-time user notice; the log has the details. */
function describeFailure(err: unknown): { kind: string; message: string } {
  const code = String((err as { code?: unknown }).code ?? '');
  const msg = err instanceof Error ? err.message : String(err);
  if (/better-sqlite3|NODE_MODULE_VERSION|\.node\b/.test(msg)) {
    return {
      kind: 'native',
      message: 'its SQLite module (better-sqlite3) is not installed for this Node version yet, so tool calls are not being recorded or guarded; it is installed at the next session start',
    };
  }
  if (code === 'SQLITE_BUSY' || code === 'SQLITE_LOCKED') {
    return { kind: 'busy', message: 'its session store stayed locked too long, so a tool call went unguarded' };
  }
  if (isCorruption(err)) {
    return { kind: 'corrupt', message: 'its session store is damaged and could not be replaced, so a tool call went unguarded' };
  }
  if (/^(EACCES|EPERM|EROFS|ENOSPC|EDQUOT)$/.test(code) || /^SQLITE_(FULL|READONLY|CANTOPEN|IOERR)/.test(code)) {
    return { kind: 'storage', message: `its data directory cannot be written (${code}), so tool calls are not being recorded or guarded` };
  }
  return { kind: 'internal', message: 'it hit an internal error, so a tool call went unguarded' };
}

const RETRY_FAILED_INSTALL_MS = 60 * 60_000;

/**
 * At SessionStart, installs better-sqlite3's addon into the data dir when no usable one exists
 * (a fresh plugin install, or a new Node ABI), so the very first session is guarded. A failed
 * install is retried at most hourly, not at every session start.
 */
function provideSqlite(dataDir: string, sessionKey: string, notices: string[]): SqliteModule {
  try {
    return loadSqlite(dataDir);
  } catch (loadError) {
    const failedMarker = join(dataDir, 'native', '.last-failure');
    const lastFailure = readRecentFailure(failedMarker);
    if (lastFailure) {
      if (claimFileNotice(dataDir, `${sessionKey}-native-failed`)) {
        notices.push(`costguard: inactive: its SQLite module could not be installed (${lastFailure}). It retries within the hour; details in ${join(dataDir, 'costguard.log')}.`);
      }
      claimFileNotice(dataDir, `${sessionKey}-error-native`); // told above; not again by the generic notice
      throw new NativeUnavailable(notices.join('\n'), { cause: loadError });
    }
    const result = installNativeModule(dataDir);
    logError(dataDir, 'native install', `${result.status} in ${result.ms} ms: ${result.detail}`);
    if (result.status === 'installed') {
      notices.push(`costguard: installed its SQLite module (${result.detail}) in ${(result.ms / 1000).toFixed(1)} s; this session is guarded.`);
      claimFileNotice(dataDir, `${sessionKey}-native-ready`);
      return loadSqlite(dataDir);
    }
    if (result.status === 'failed') {
      try {
        mkdirSync(join(dataDir, 'native'), { recursive: true });
        writeFileSync(failedMarker, `${Date.now()}\n${result.detail}`);
      } catch {
        // the notice below still tells the user
      }
    }
    claimFileNotice(dataDir, `${sessionKey}-error-native`); // this notice replaces the generic one
    notices.push(
      result.status === 'busy'
        ? 'costguard: another session is still installing its SQLite module; this session starts unguarded.'
        : `costguard: inactive: its SQLite module could not be installed (${result.detail}). Tool calls are not recorded or guarded; it retries within the hour. Details in ${join(dataDir, 'costguard.log')}.`,
    );
    throw new NativeUnavailable(notices.join('\n'));
  }
}

class NativeUnavailable extends Error {}

function readRecentFailure(marker: string): string | undefined {
  try {
    const [at, ...detail] = readFileSync(marker, 'utf8').split('\n');
    return Date.now() - Number(at) < RETRY_FAILED_INSTALL_MS ? detail.join(' ') : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Once per session and kind, like claimFileNotice. When the data dir itself cannot be written
 * (read-only, full), its notices/ cannot record that the user was told either: the claim goes to
 * the temp dir instead, so the user is still told, once, rather than never (or at every call).
 */
function claimErrorNotice(dataDir: string, key: string, kind: string): boolean {
  if (kind !== 'storage') return claimFileNotice(dataDir, key);
  const uid = process.getuid?.() ?? 'user';
  // node:os only here, on a failure path: every hook's start-up would pay for importing it.
  const tmp = process.getBuiltinModule('node:os').tmpdir();
  return claimFileNotice(join(tmp, `costguard-${uid}`, shortHash(dataDir)), key);
}

/** Retention runs at SessionStart, after the event is recorded; it must never cost the session anything. */
function pruneQuietly(dataDir: string, days: number | null, now: number, keep: string): void {
  try {
    pruneOldStores(dataDir, { days, now, keep });
  } catch (err) {
    logError(dataDir, 'retention', err);
  }
}

/**
 * One hook invocation, from raw stdin to what goes to stdout. Never throws: any internal error is
 * logged, told to the user once per session and kind, and the tool call proceeds. Only a guard's
 * verdict may block.
 */
export function runHook(raw: string, env: Env, now: number): HookOutput | undefined {
  // COSTGUARD_TRACE=1: phase timings (ms since process start) on stderr, for the latency benchmark.
  const mark = env.COSTGUARD_TRACE ? (label: string) => process.stderr.write(`${label} ${performance.now().toFixed(2)}\n`) : () => {};
  mark('start');
  const dataDir = resolveDataDir(env);
  let sessionKey = 'unknown-session';
  let event = 'unknown';
  try {
    let json: unknown;
    try {
      json = JSON.parse(raw);
    } catch {
      logError(dataDir, 'hook', `stdin is not JSON (${raw.length} bytes)`);
      return undefined;
    }
    const name = (json as { hook_event_name?: unknown } | null)?.hook_event_name;
    if (!isHandledEvent(name)) return undefined; // not ours: no I/O at all
    event = name;
    const parsed = parsePayload(name, json);
    if (!parsed.success) {
      logError(dataDir, `hook ${name}`, `payload rejected: ${parsed.issues}`);
      return undefined;
    }
    const payload = parsed.data;
    mark('parsed');
    sessionKey = sessionKeyOf(payload.session_id);

    const notices: string[] = [];
    const project = env.CLAUDE_PROJECT_DIR || payload.cwd;
    const { config, problems } = loadConfigCached(env, project, dataDir);
    if (problems.length > 0) {
      const text = problems.map(formatProblem);
      if (claimFileNotice(dataDir, `${sessionKey}-config-${shortHash(text.join('\n'))}`)) {
        notices.push(`costguard: config problems, defaults used for these keys:\n${text.map((t) => `  - ${t}`).join('\n')}`);
        logError(dataDir, 'config', text.join('; '));
      }
    }

    mark('config');
    const sqlite = payload.hook_event_name === 'SessionStart' ? provideSqlite(dataDir, sessionKey, notices) : loadSqlite(dataDir);
    mark('sqlite');
    const handled = withSessionStore(sqlite, dataDir, payload.session_id, now, (store) =>
      handleEvent({ store, config, now, data: { sqlite, dataDir, sessionKey, project } }, payload),
    );
    mark('handled');
    notices.push(...handled.notices);
    if (payload.hook_event_name === 'SessionStart') pruneQuietly(dataDir, config.retention.days, now, sessionFileName(payload.session_id));
    return buildOutput(event, handled.value, notices);
  } catch (err) {
    if (err instanceof NativeUnavailable) return err.message ? { systemMessage: err.message } : undefined;
    logError(dataDir, `hook ${event}`, err);
    const failure = describeFailure(err);
    if (claimErrorNotice(dataDir, `${sessionKey}-error-${failure.kind}`, failure.kind)) {
      return {
        systemMessage: `costguard: ${failure.message}. The session continues unguarded where needed; details in ${join(dataDir, 'costguard.log')}.`,
      };
    }
    return undefined;
  }
}
