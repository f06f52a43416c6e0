import { readFileSync } from 'node:fs';

/**
 * The /cost-report command passes `$ARGUMENTS` to the CLI in a quoted here-document, so `$(…)`,
 * quotes and `;` stay text, and a backtick ends Claude Code's `!` span (the rest is never run).
 * One hole remains that no quoting accepted by Claude Code's permission check closes: arguments
 * holding a line equal to the here-document's delimiter end it early, and the lines after it run
 * as commands once this process returns (a `node …` payload even passes `Bash(node:*)`).
 * So before printing anything the CLI reads the shell's own command line and, if the delimiter
 * appears as a line after the here-document starts, kills that shell: nothing after us runs, the
 * command fails, and Claude Code reports the failure instead of running the payload.
 */
export const ARGS_DELIMITER = 'COSTGUARD_ARGS';

/** True when `shellCommand` holds the delimiter as a whole line after the here-document's start. */
export function endsHereDocEarly(shellCommand: string): boolean {
  const start = shellCommand.indexOf(ARGS_DELIMITER);
  if (start < 0) return false;
  const afterStart = shellCommand.indexOf('\n', start);
  if (afterStart < 0) return false;
  return shellCommand
    .slice(afterStart + 1)
    .split('\n')
    .some((line) => line === ARGS_DELIMITER || line.replace(/\r$/, '') === ARGS_DELIMITER);
}

/** The parent shell's command line, where /proc has it (Linux); undefined elsewhere. */
export function parentCommandLine(ppid: number): string | undefined {
  try {
    return readFileSync(`/proc/${ppid}/cmdline`, 'utf8').split('\0').join('\n');
  } catch {
    return undefined;
  }
}

/** Kills the parent shell when the arguments tried to escape; returns whether it did. */
export function stopInjectedShell(ppid: number): boolean {
  const command = parentCommandLine(ppid);
  if (command === undefined || !endsHereDocEarly(command)) return false;
  try {
    process.kill(ppid, 'SIGKILL');
  } catch {
    // already gone
  }
  return true;
}
