import { readFileSync } from 'node:fs';
import { writeAll } from '../shared/write-all.js';
import { runCli, UsageError } from './report-command.js';

const argv = process.argv.slice(2);

function write(fd: number, text: string): void {
  writeAll(fd, text);
}

// The one catch of the process: it alone decides the exit code (0 ok, 1 usage error, 2 failure).
try {
  process.exitCode = runCli(argv, {
    env: process.env,
    cwd: process.cwd(),
    now: Date.now(),
    stdout: (t) => write(1, t),
    stderr: (t) => write(2, t),
    stderrIsTty: process.stderr.isTTY === true,
    readStdin: () => {
      try {
        return readFileSync(0, 'utf8');
      } catch {
        return '';
      }
    },
  });
} catch (err) {
  if (err instanceof UsageError && argv.includes('--slash')) {
    // A failing `!` line aborts the slash command unseen: tell the user through the model instead.
    write(1, `costguard: ${err.message}\nUsage: /costguard:cost-report [--since 7d] [--until DATE] [--by day|week|month|session|project|model|agent|tool|block] [--all]\n`);
    process.exitCode = 0;
  } else if (err instanceof UsageError) {
    write(2, `costguard: ${err.message}\n`);
    process.exitCode = 1;
  } else {
    write(2, `costguard: report failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exitCode = 2;
  }
}
