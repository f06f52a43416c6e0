import { closeSync, lstatSync, openSync, readdirSync, renameSync, statSync, unlinkSync, utimesSync } from 'node:fs';
import { join } from 'node:path';
import { sessionsDir } from './open.js';

const DAY_MS = 86_400_000;
/** One pruning run deletes at most this many files; the rest go at the next run. */
const MAX_DELETIONS_PER_RUN = 200;
/** costguard.log is moved to costguard.log.1 (replacing it) past this size. */
const MAX_LOG_BYTES = 1024 * 1024;
const MARKER = '.retention-last-run';

export interface RetentionOptions {
  /** Keep files touched within this many days; null keeps everything. */
  days: number | null;
  now: number;
  /** The store file name of the session being started: never pruned, however old (a resumed session). */
  keep: string;
}

export interface PruneResult {
  /** False when a run already happened within the last day (or retention is off). */
  ran: boolean;
  deleted: number;
  /** The per-run cap was reached: the next SessionStart continues. */
  capped: boolean;
}

interface Group {
  files: string[];
  newest: number;
}

/**
 * A store and everything that belongs to it: `<id>.sqlite`, its -wal and -shm, and copies set aside
 * as `<id>.sqlite.corrupt-<ms>` (with theirs). A set-aside copy is aged from when it was set aside.
 */
function groupOf(name: string): { key: string; setAsideAt: number } | undefined {
  const m = /^(.+\.sqlite(?:\.corrupt-(\d+))?)(?:-wal|-shm|-journal)?$/.exec(name);
  return m ? { key: m[1] as string, setAsideAt: m[2] ? Number(m[2]) : 0 } : undefined;
}

function mtimeOf(path: string): number | undefined {
  try {
    const st = lstatSync(path);
    return st.isFile() ? st.mtimeMs : undefined; // never a symlink, a directory or a device
  } catch {
    return undefined;
  }
}

function listFiles(dir: string): string[] {
  try {
    return readdirSync(dir);
  } catch {
    return [];
  }
}

/** True when no run happened within the last day; then claims this run (parallel session starts mostly run once). */
function claimDailyRun(dataDir: string, now: number): boolean {
  const marker = join(dataDir, MARKER);
  try {
    if (now - statSync(marker).mtimeMs < DAY_MS) return false;
  } catch {
    // never ran: create the marker below
  }
  try {
    closeSync(openSync(marker, 'a', 0o600));
    utimesSync(marker, now / 1000, now / 1000);
    return true;
  } catch {
    return false; // a data dir we cannot write to has nothing we could delete either
  }
}

/**
 * Deletes session stores, set-aside corrupt stores and notice markers untouched for more than
 * `days`, at most once a day and at most MAX_DELETIONS_PER_RUN files per run, and rotates an
 * oversized costguard.log. Called at SessionStart; never throws. Only regular files directly inside
 * `sessions/` and `notices/` are considered: names come from readdir, so nothing outside them is touched.
 */
export function pruneOldStores(dataDir: string, opts: RetentionOptions): PruneResult {
  if (opts.days === null || !(opts.days > 0) || !claimDailyRun(dataDir, opts.now)) return { ran: false, deleted: 0, capped: false };
  const cutoff = opts.now - opts.days * DAY_MS;
  const doomed: string[] = [];

  const dir = sessionsDir(dataDir);
  const groups = new Map<string, Group>();
  for (const name of listFiles(dir)) {
    const g = groupOf(name);
    const mtime = mtimeOf(join(dir, name));
    if (!g || mtime === undefined || g.key === opts.keep) continue;
    const group = groups.get(g.key) ?? { files: [], newest: g.setAsideAt };
    group.files.push(join(dir, name));
    group.newest = Math.max(group.newest, mtime);
    groups.set(g.key, group);
  }
  for (const group of groups.values()) if (group.newest < cutoff) doomed.push(...group.files);

  const notices = join(dataDir, 'notices');
  for (const name of listFiles(notices)) {
    const mtime = mtimeOf(join(notices, name));
    if (mtime !== undefined && mtime < cutoff) doomed.push(join(notices, name));
  }

  let deleted = 0;
  for (const file of doomed.slice(0, MAX_DELETIONS_PER_RUN)) {
    try {
      unlinkSync(file);
      deleted++;
    } catch {
      // gone already (a parallel run) or not ours to delete
    }
  }
  const capped = doomed.length > MAX_DELETIONS_PER_RUN;
  if (capped) {
    try {
      unlinkSync(join(dataDir, MARKER)); // the next SessionStart carries on
    } catch {
      // then tomorrow
    }
  }
  rotateLog(dataDir);
  return { ran: true, deleted, capped };
}

function rotateLog(dataDir: string): void {
  const log = join(dataDir, 'costguard.log');
  try {
    if (statSync(log).size > MAX_LOG_BYTES) renameSync(log, `${log}.1`);
  } catch {
    // no log, or it cannot be moved: it is only a log
  }
}
