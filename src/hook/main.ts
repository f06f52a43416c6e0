import { readSync } from 'node:fs';
import { writeAll } from '../shared/write-all.js';
import { runHook } from './run.js';

/** Larger payloads (a multi-MB Write) are still read whole; beyond this we stop and fail open. */
const MAX_STDIN_BYTES = 64 * 1024 * 1024;

function readStdin(): string {
  const chunks: Buffer[] = [];
  let total = 0;
  const buf = Buffer.allocUnsafe(1 << 16);
  for (;;) {
    let n: number;
    try {
      n = readSync(0, buf, 0, buf.length, null);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'EAGAIN') {
        Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 5);
        continue;
      }
      if (code === 'EOF') break;
      throw err;
    }
    if (n === 0) break;
    chunks.push(Buffer.from(buf.subarray(0, n)));
    total += n;
    if (total > MAX_STDIN_BYTES) return '';
  }
  return Buffer.concat(chunks, total).toString('utf8');
}

// The one catch of the process: whatever happens, exit 0 so the tool call proceeds.
try {
  const out = runHook(readStdin(), process.env, Date.now());
  // fs.writeSync, not process.stdout: creating the stdout stream loads Node's stream modules (~1 ms).
  if (out) writeAll(1, `${JSON.stringify(out)}\n`);
} catch {
  // runHook already fails open; this guards against a failure to read stdin or write stdout.
}
process.exitCode = 0;
