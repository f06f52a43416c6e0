import { existsSync, mkdirSync, readdirSync, statSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runHook } from '../../../src/hook/run.js';
import { pruneOldStores } from '../../../src/store/retention.js';
import { report, sandbox, removeSandboxes } from './support/harness.js';

/** Old session stores are pruned at SessionStart, by retention.days, at most once a day, a bounded number at a time. */
const figures: Record<string, unknown> = {};
afterAll(() => {
  report('retention', figures);
  removeSandboxes();
});

const DAY = 86_400_000;
const NOW = Date.parse('2026-11-25T12:00:00Z');

function file(path: string, ageDays: number, content = 'x'): string {
  mkdirSync(join(path, '..'), { recursive: true });
  writeFileSync(path, content);
  const t = (NOW - ageDays * DAY) / 1000;
  utimesSync(path, t, t);
  return path;
}

const sessionStart = (sessionId: string) => JSON.stringify({ hook_event_name: 'SessionStart', session_id: sessionId, source: 'resume' });

describe('retention: old session stores are pruned', () => {
  it('deletes what is older than retention.days, keeps the rest, the session being started, and anything not a store', () => {
    const s = sandbox('retention');
    const sessions = join(s.dataDir, 'sessions');
    const notices = join(s.dataDir, 'notices');
    const outsider = file(join(s.root, 'outside.sqlite'), 100);
    const old = [
      file(join(sessions, 'old.sqlite'), 40),
      file(join(sessions, 'old.sqlite-wal'), 40),
      file(join(sessions, 'old.sqlite-shm'), 40),
      file(join(sessions, `old2.sqlite.corrupt-${NOW - 45 * DAY}`), 45),
      file(join(notices, 'old-error-storage'), 40),
    ];
    const kept = [
      file(join(sessions, 'new.sqlite'), 2),
      // Its main file is old, but its -wal was written yesterday: the session is alive.
      file(join(sessions, 'busy.sqlite'), 40),
      file(join(sessions, 'busy.sqlite-wal'), 1),
      // Set aside yesterday from a store last written long ago: kept for inspection for retention.days.
      file(join(sessions, `stale.sqlite.corrupt-${NOW - DAY}`), 60),
      // The session being resumed: its store is old, and must survive its own SessionStart.
      file(join(sessions, 'resumed.sqlite'), 90),
      file(join(notices, 'new-config-abc'), 1),
      file(join(sessions, 'README.txt'), 400),
    ];
    symlinkSync(outsider, join(sessions, 'link.sqlite'));
    utimesSync(outsider, (NOW - 100 * DAY) / 1000, (NOW - 100 * DAY) / 1000);
    mkdirSync(join(sessions, 'dir.sqlite'));
    const out = runHook(sessionStart('resumed'), s.env, NOW);
    expect(out?.hookSpecificOutput).toBeUndefined();
    expect(old.filter((f) => existsSync(f))).toEqual([]);
    expect(kept.filter((f) => !existsSync(f))).toEqual([]);
    expect(existsSync(outsider)).toBe(true); // a symlink is never followed
    expect(existsSync(join(sessions, 'link.sqlite'))).toBe(true);
    expect(existsSync(join(sessions, 'dir.sqlite'))).toBe(true);
    expect(statSync(join(sessions, 'resumed.sqlite')).size).toBeGreaterThan(1); // reopened, not recreated
  });

  it('runs at most once a day; retention.days: null keeps everything', () => {
    const s = sandbox('retention-daily');
    const sessions = join(s.dataDir, 'sessions');
    file(join(sessions, 'a.sqlite'), 40);
    expect(pruneOldStores(s.dataDir, { days: 30, now: NOW, keep: 'x.sqlite' })).toMatchObject({ ran: true, deleted: 1 });
    file(join(sessions, 'b.sqlite'), 40);
    expect(pruneOldStores(s.dataDir, { days: 30, now: NOW + DAY / 2, keep: 'x.sqlite' })).toMatchObject({ ran: false, deleted: 0 });
    expect(existsSync(join(sessions, 'b.sqlite'))).toBe(true);
    expect(pruneOldStores(s.dataDir, { days: 30, now: NOW + DAY + 1, keep: 'x.sqlite' })).toMatchObject({ ran: true, deleted: 1 });
    file(join(sessions, 'c.sqlite'), 400);
    expect(pruneOldStores(s.dataDir, { days: null, now: NOW + 5 * DAY, keep: 'x.sqlite' })).toMatchObject({ ran: false });
    expect(existsSync(join(sessions, 'c.sqlite'))).toBe(true);

    const configured = sandbox('retention-config');
    mkdirSync(join(configured.home, '.claude'), { recursive: true });
    writeFileSync(join(configured.home, '.claude', 'costguard.json'), '{"retention":{"days":null}}');
    file(join(configured.dataDir, 'sessions', 'ancient.sqlite'), 4000);
    runHook(sessionStart('s'), configured.env, NOW);
    expect(existsSync(join(configured.dataDir, 'sessions', 'ancient.sqlite'))).toBe(true);
  });

  it('deletes a bounded number per run, quickly, and carries on at the next SessionStart', () => {
    const s = sandbox('retention-many');
    const sessions = join(s.dataDir, 'sessions');
    const STORES = 1000;
    for (let i = 0; i < STORES; i++) file(join(sessions, `s${i}.sqlite`), 31 + (i % 300));
    for (let i = 0; i < 500; i++) file(join(sessions, `fresh${i}.sqlite`), i % 29);
    const runs: number[] = [];
    const deleted: number[] = [];
    let now = NOW;
    for (let run = 0; run < 10; run++) {
      const t = performance.now();
      const r = pruneOldStores(s.dataDir, { days: 30, now, keep: 'x.sqlite' });
      runs.push(performance.now() - t);
      deleted.push(r.deleted);
      if (!r.capped) break;
      now += 60_000; // the next session start, a minute later
    }
    const left = readdirSync(sessions).length;
    Object.assign(figures, { oldStores: STORES, freshStores: 500, deletedPerRun: deleted.join('+'), slowestRunMs: Math.max(...runs), left });
    expect(deleted.reduce((a, b) => a + b, 0)).toBe(STORES);
    expect(Math.max(...deleted)).toBeLessThanOrEqual(200);
    expect(left).toBe(500);
    expect(Math.max(...runs)).toBeLessThan(500);
  });

  it('rotates an oversized log', () => {
    const s = sandbox('retention-log');
    mkdirSync(s.dataDir, { recursive: true });
    writeFileSync(join(s.dataDir, 'costguard.log'), 'x'.repeat(2 * 1024 * 1024));
    pruneOldStores(s.dataDir, { days: 30, now: NOW, keep: 'x.sqlite' });
    expect(existsSync(join(s.dataDir, 'costguard.log'))).toBe(false);
    expect(statSync(join(s.dataDir, 'costguard.log.1')).size).toBe(2 * 1024 * 1024);
  });
});
