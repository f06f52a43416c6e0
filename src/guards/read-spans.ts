/**
 * What a tool call reads, as line spans of files: Read, and the simple Bash readers
 * (cat, head, tail, sed -n). Pure: paths are resolved against the given cwd without touching disk.
 */
export interface ReadSpan {
  path: string;
  /** First line, 1-based. */
  start: number;
  /** Last line, or null for "through the end of the file". */
  end: number | null;
  /** False when the result's exact lines are unknown (tail), so it must not be remembered as coverage. */
  recordable: boolean;
}

/** Claude Code's Read returns at most this many lines when no limit is given. */
export const READ_DEFAULT_LINES = 2000;

function normalizePosix(path: string): string {
  const parts: string[] = [];
  for (const part of path.split('/')) {
    if (part === '' || part === '.') continue;
    if (part === '..') parts.pop();
    else parts.push(part);
  }
  return `/${parts.join('/')}`;
}

export function resolvePath(path: string, cwd: string | undefined): string {
  if (path.startsWith('/')) return normalizePosix(path);
  if (path.startsWith('~')) return path; // left alone: we do not know HOME here, and it will simply not match
  return normalizePosix(`${cwd ?? '/'}/${path}`);
}

function positiveInt(v: unknown): number | undefined {
  return typeof v === 'number' && Number.isInteger(v) && v > 0 ? v : undefined;
}

function describeReadTool(input: Record<string, unknown>, cwd: string | undefined): ReadSpan[] | undefined {
  if (typeof input.file_path !== 'string' || input.file_path === '') return undefined;
  if (input.pages !== undefined) return undefined; // PDF page ranges are not line spans
  const start = positiveInt(input.offset) ?? 1;
  const limit = positiveInt(input.limit);
  return [{ path: resolvePath(input.file_path, cwd), start, end: start + (limit ?? READ_DEFAULT_LINES) - 1, recordable: true }];
}

/**
 * Splits a command line into words, honouring quotes. Returns undefined for anything beyond a
 * single simple command (pipes, redirections, substitutions, chains, globs): those may not put the
 * file's contents into the context as-is, so they are never flagged.
 */
export function splitSimpleCommand(command: string): string[] | undefined {
  const words: string[] = [];
  let cur = '';
  let inWord = false;
  let quote: '"' | "'" | undefined;
  for (const ch of command.trim()) {
    if (quote) {
      if (ch === quote) quote = undefined;
      else if (quote === '"' && (ch === '$' || ch === '`' || ch === '\\')) return undefined;
      else cur += ch;
      continue;
    }
    if (ch === '"' || ch === "'") {
      quote = ch;
      inWord = true;
    } else if (ch === ' ' || ch === '\t') {
      if (inWord) words.push(cur);
      cur = '';
      inWord = false;
    } else if ('|&;<>()$`\\\n*?[]{}'.includes(ch)) {
      return undefined;
    } else {
      cur += ch;
      inWord = true;
    }
  }
  if (quote) return undefined;
  if (inWord) words.push(cur);
  return words.length > 0 ? words : undefined;
}

function parseCount(v: string | undefined): number | undefined {
  if (v === undefined || !/^\d+$/.test(v)) return undefined;
  const n = Number(v);
  return n > 0 ? n : undefined;
}

/** `head`/`tail` line count options: -n N, -nN, -N, --lines=N. Returns [count, files] or undefined. */
function parseLineCountArgs(args: string[], fallback: number): [number, string[]] | undefined {
  let count = fallback;
  const files: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const a = args[i] as string;
    let n: number | undefined;
    if (a === '-n') n = parseCount(args[++i]);
    else if (a.startsWith('--lines=')) n = parseCount(a.slice(8));
    else if (/^-n\d+$/.test(a)) n = parseCount(a.slice(2));
    else if (/^-\d+$/.test(a)) n = parseCount(a.slice(1));
    else if (a.startsWith('-')) return undefined;
    else {
      files.push(a);
      continue;
    }
    if (n === undefined) return undefined;
    count = n;
  }
  return files.length > 0 ? [count, files] : undefined;
}

function describeSed(args: string[]): [number, number | null, string] | undefined {
  if (args.length !== 3 || args[0] !== '-n') return undefined;
  const m = /^(\d+)(?:,(\d+|\$))?p$/.exec(args[1] as string);
  if (!m) return undefined;
  const start = Number(m[1]);
  const end = m[2] === undefined ? start : m[2] === '$' ? null : Number(m[2]);
  if (start < 1 || (end !== null && end < start)) return undefined;
  return [start, end, args[2] as string];
}

function describeBash(input: Record<string, unknown>, cwd: string | undefined): ReadSpan[] | undefined {
  if (typeof input.command !== 'string' || input.command.length > 4096) return undefined;
  const words = splitSimpleCommand(input.command);
  if (!words) return undefined;
  const [cmd, ...args] = words;
  const span = (path: string, start: number, end: number | null, recordable = true): ReadSpan => ({
    path: resolvePath(path, cwd),
    start,
    end,
    recordable,
  });
  switch (cmd) {
    case 'cat': {
      if (args.length === 0 || args.some((a) => a.startsWith('-'))) return undefined;
      return args.map((f) => span(f, 1, null));
    }
    case 'head': {
      const parsed = parseLineCountArgs(args, 10);
      return parsed && parsed[1].map((f) => span(f, 1, parsed[0]));
    }
    case 'tail': {
      // tail's lines are only known to be covered by an earlier read that reached the end of the file.
      const parsed = parseLineCountArgs(args, 10);
      return parsed && parsed[1].map((f) => span(f, 1, null, false));
    }
    case 'sed': {
      const parsed = describeSed(args);
      return parsed && [span(parsed[2], parsed[0], parsed[1])];
    }
    default:
      return undefined;
  }
}

export function describeReads(toolName: string, toolInput: unknown, cwd: string | undefined): ReadSpan[] | undefined {
  if (typeof toolInput !== 'object' || toolInput === null) return undefined;
  const input = toolInput as Record<string, unknown>;
  if (toolName === 'Read') return describeReadTool(input, cwd);
  if (toolName === 'Bash') return describeBash(input, cwd);
  return undefined;
}

/** Files a tool call writes: their earlier reads no longer describe them. */
export function describeWrites(toolName: string, toolInput: unknown, cwd: string | undefined): string[] {
  if (typeof toolInput !== 'object' || toolInput === null) return [];
  const input = toolInput as Record<string, unknown>;
  const path = typeof input.file_path === 'string' ? input.file_path : typeof input.notebook_path === 'string' ? input.notebook_path : undefined;
  if (!path || !['Edit', 'Write', 'MultiEdit', 'NotebookEdit'].includes(toolName)) return [];
  return [resolvePath(path, cwd)];
}
