import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { build } from 'esbuild';

describe('writeAll', () => {
  // Once anything touches process.stdout (yargs reads its columns), Node makes the pipe non-blocking
  // and a single writeSync of 4 MB writes about 3 MB and returns: the CLI's JSON was cut that way.
  it('gets every byte of a large text through a non-blocking pipe (the CLI and the hook use it for stdout)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'cg-write-'));
    const entry = join(dir, 'entry.ts');
    writeFileSync(entry, `import { writeAll } from ${JSON.stringify(join(import.meta.dirname, '../../../src/shared/write-all.ts'))};\nvoid process.stdout.columns;\nwriteAll(1, 'x'.repeat(4 * 1024 * 1024) + 'END');\n`);
    await build({ entryPoints: [entry], bundle: true, platform: 'node', format: 'cjs', outfile: join(dir, 'out.cjs'), logLevel: 'silent' });
    const r = spawnSync(process.execPath, [join(dir, 'out.cjs')], { encoding: 'utf8', maxBuffer: 16 * 1024 * 1024 });
    expect(r.status).toBe(0);
    expect(r.stdout.length).toBe(4 * 1024 * 1024 + 3);
    expect(r.stdout.endsWith('END')).toBe(true);
  });
});
