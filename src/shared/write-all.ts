import { writeSync } from 'node:fs';

/**
 * Writes all of `text` to `fd`. A single writeSync on a pipe may write only part of a large text, or
 * fail with EAGAIN while a non-blocking pipe is full (seen: a 500 MB history's JSON report cut at
 * 214 KB when read through spawnSync). So: loop until every byte is out, waiting briefly on EAGAIN.
 */
export function writeAll(fd: number, text: string): void {
  const buf = Buffer.from(text, 'utf8');
  let off = 0;
  while (off < buf.length) {
    try {
      off += writeSync(fd, buf, off, buf.length - off);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EAGAIN') throw err;
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 2);
    }
  }
}
