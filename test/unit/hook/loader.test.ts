import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const HOOK = fileURLToPath(new URL('../../../dist/hook.cjs', import.meta.url));

describe('the hook loader (dist/hook.cjs): V8 code cache', () => {
  it("writes its cache once and prunes other builds' caches not written for a week, nothing else", () => {
    const data = mkdtempSync(join(tmpdir(), 'costguard-loader-'));
    const cache = join(data, 'cache');
    mkdirSync(cache, { recursive: true });
    const monthAgo = new Date(Date.now() - 30 * 24 * 3600_000);
    const files = {
      oldBuild: 'hook-core-0000000000000000-v20.0.0-x64.v8cache',
      oldTemp: 'hook-core-0000000000000000-v20.0.0-x64.v8cache.123.tmp',
      recentBuild: 'hook-core-1111111111111111-v20.0.0-x64.v8cache',
      unrelated: 'notes.txt',
    };
    for (const name of Object.values(files)) writeFileSync(join(cache, name), 'x');
    for (const name of [files.oldBuild, files.oldTemp, files.unrelated]) utimesSync(join(cache, name), monthAgo, monthAgo);

    const run = () => spawnSync(process.execPath, [HOOK], { input: '{"hook_event_name":"NotOurs"}', env: { PATH: process.env.PATH, CLAUDE_PLUGIN_DATA: data }, encoding: 'utf8' });
    const first = run();
    expect(first.status).toBe(0);
    expect(first.stdout + first.stderr).toBe('');
    const left = readdirSync(cache).sort();
    expect(left).toContain(files.recentBuild);
    expect(left).toContain(files.unrelated);
    expect(existsSync(join(cache, files.oldBuild))).toBe(false);
    expect(existsSync(join(cache, files.oldTemp))).toBe(false);
    const own = left.filter((n) => n.endsWith('.v8cache') && n !== files.recentBuild);
    expect(own).toHaveLength(1);
    expect(own[0]).toContain(process.version);

    expect(run().status).toBe(0);
    expect(readdirSync(cache).sort()).toEqual(left);
  });
});
