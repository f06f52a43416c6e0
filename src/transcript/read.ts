import { closeSync, constants, fstatSync, openSync, readSync } from 'node:fs';
import { dirname, join } from 'node:path';

/**
 * Complete lines read from a transcript. `text` always ends with '\n' (or is empty).
 * Resume from `endOffset`: it is counted in file bytes, so it stays right even when the file
 * holds invalid UTF-8, where the parser's `consumedBytes` (counted on decoded text) would not.
 */
export interface TranscriptDelta {
  text: string;
  startOffset: number;
  endOffset: number;
  fileSize: number;
  /** The file is shorter than the offset asked for (truncated or replaced): read from 0. */
  reset: boolean;
  /**
   * A line longer than maxBytes was skipped: `text` is empty and `endOffset` is past it, or,
   * when no newline turned up within the scan limit, past the bytes scanned (the rest of
   * that line will later parse as one malformed line). The caller should count it malformed.
   */
  oversizedLine: boolean;
}

export interface SubagentMeta {
  agentType?: string;
  description?: string;
  toolUseId?: string;
}

const NEWLINE = 0x0a;
// Bounds the work spent looking for the end of a giant line in one short-lived hook call.
const DEFAULT_MAX_SCAN_BYTES = 64 * 1024 * 1024;
const SCAN_CHUNK_BYTES = 64 * 1024;
const MAX_META_BYTES = 64 * 1024;
// Errors meaning "nothing readable here"; anything else (EMFILE, EIO) is a real fault. ENXIO: a
// socket at the path; ERR_INVALID_ARG_VALUE: a NUL byte in a path taken from a hook payload.
const UNREADABLE_CODES = new Set(['ENOENT', 'ENOTDIR', 'EISDIR', 'EACCES', 'EPERM', 'ELOOP', 'ENAMETOOLONG', 'ENXIO', 'ENODEV', 'ERR_INVALID_ARG_VALUE']);
// Without O_NONBLOCK, opening a FIFO put at the path would hang the hook until a writer came.
const OPEN_FLAGS = constants.O_RDONLY | (constants.O_NONBLOCK ?? 0);

/**
 * Reads the complete lines in at most `maxBytes` bytes from `offset`. Cost is bounded by
 * maxBytes (plus the oversized-line scan), never by the file's size.
 */
export function readTranscriptDelta(
  path: string,
  offset: number,
  maxBytes: number,
  opts?: { maxScanBytes?: number },
): TranscriptDelta | { missing: true } {
  if (!Number.isSafeInteger(maxBytes) || maxBytes <= 0) {
    throw new RangeError(`maxBytes must be a positive integer, got ${maxBytes}`);
  }
  return readRegularFile(path, (fd, fileSize) =>
    readCompleteLines(fd, fileSize, offset, maxBytes, opts?.maxScanBytes ?? DEFAULT_MAX_SCAN_BYTES),
  ) ?? { missing: true };
}

function readCompleteLines(
  fd: number,
  fileSize: number,
  offset: number,
  maxBytes: number,
  maxScanBytes: number,
): TranscriptDelta {
  const reset = !(Number.isSafeInteger(offset) && offset >= 0 && offset <= fileSize);
  const start = reset ? 0 : offset;
  const buffer = Buffer.allocUnsafe(Math.min(maxBytes, fileSize - start));
  const filled = readAt(fd, buffer, start);
  const base = { startOffset: start, fileSize, reset };

  // 0x0A never occurs inside a multi-byte UTF-8 sequence, so cutting after it never splits a character.
  const cut = buffer.subarray(0, filled).lastIndexOf(NEWLINE) + 1;
  if (cut > 0) {
    return { ...base, text: buffer.toString('utf8', 0, cut), endOffset: start + cut, oversizedLine: false };
  }
  const nothingComplete = { ...base, text: '', endOffset: start, oversizedLine: false };
  const moreBeyondBuffer = filled === maxBytes && start + filled < fileSize;
  if (!moreBeyondBuffer) return nothingComplete; // a partial last line: wait for the rest

  const scanEnd = Math.min(fileSize, start + Math.max(maxScanBytes, filled));
  const newlineAt = findNewline(fd, start + filled, scanEnd);
  if (newlineAt >= 0) return { ...nothingComplete, endOffset: newlineAt + 1, oversizedLine: true };
  // Reaching end of file means the giant line is still being written: wait rather than cut it.
  if (scanEnd === fileSize) return nothingComplete;
  return { ...nothingComplete, endOffset: scanEnd, oversizedLine: true };
}

/** File position of the first '\n' in [from, to), or -1. */
function findNewline(fd: number, from: number, to: number): number {
  const chunk = Buffer.allocUnsafe(SCAN_CHUNK_BYTES);
  for (let position = from; position < to; ) {
    const filled = readAt(fd, chunk.subarray(0, Math.min(chunk.length, to - position)), position);
    if (filled === 0) return -1;
    const index = chunk.subarray(0, filled).indexOf(NEWLINE);
    if (index >= 0) return position + index;
    position += filled;
  }
  return -1;
}

/** Fills `buffer` from `position`, stopping early only at end of file. */
function readAt(fd: number, buffer: Buffer, position: number): number {
  let filled = 0;
  while (filled < buffer.length) {
    const n = readSync(fd, buffer, filled, buffer.length - filled, position + filled);
    if (n === 0) break;
    filled += n;
  }
  return filled;
}

/** Runs `read` on the path if it is a readable regular file; undefined when it is not. */
function readRegularFile<T>(path: string, read: (fd: number, size: number) => T): T | undefined {
  let fd: number;
  try {
    fd = openSync(path, OPEN_FLAGS);
  } catch (error) {
    if (isUnreadable(error)) return undefined;
    throw error;
  }
  try {
    const stat = fstatSync(fd);
    return stat.isFile() ? read(fd, stat.size) : undefined;
  } catch (error) {
    if (isUnreadable(error)) return undefined;
    throw error;
  } finally {
    closeSync(fd);
  }
}

function isUnreadable(error: unknown): boolean {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  return code !== undefined && UNREADABLE_CODES.has(code);
}

/** `<dir of main transcript>/<sessionId>/subagents/agent-<agentId>.jsonl`, as Claude Code lays it out. */
export function subagentTranscriptPath(mainTranscriptPath: string, sessionId: string, agentId: string): string {
  assertPathSegment(sessionId, 'sessionId');
  assertPathSegment(agentId, 'agentId');
  return join(dirname(mainTranscriptPath), sessionId, 'subagents', `agent-${agentId}.jsonl`);
}

// Ids come from hook payloads; one holding "../" must not steer the read elsewhere.
function assertPathSegment(value: string, name: string): void {
  if (value === '' || value === '.' || value === '..' || /[/\\\0]/.test(value)) {
    throw new TypeError(`${name} is not a plain path segment: ${JSON.stringify(value)}`);
  }
}

/**
 * Reads a subagent's `agent-<id>.meta.json`; accepts that path or the transcript's `.jsonl`
 * path beside it. Undefined when it is missing, unreadable, too large or not a JSON object.
 */
export function readSubagentMeta(path: string): SubagentMeta | undefined {
  const metaPath = path.endsWith('.jsonl') ? `${path.slice(0, -'.jsonl'.length)}.meta.json` : path;
  let parsed: unknown;
  try {
    const raw = readRegularFile(metaPath, (fd, size) => {
      if (size > MAX_META_BYTES) return undefined;
      const buffer = Buffer.allocUnsafe(size);
      return buffer.toString('utf8', 0, readAt(fd, buffer, 0));
    });
    if (raw === undefined) return undefined;
    parsed = JSON.parse(raw);
  } catch {
    return undefined;
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return undefined;
  const fields = parsed as Record<string, unknown>;
  const meta: SubagentMeta = {};
  if (typeof fields.agentType === 'string') meta.agentType = fields.agentType;
  if (typeof fields.description === 'string') meta.description = fields.description;
  if (typeof fields.toolUseId === 'string') meta.toolUseId = fields.toolUseId;
  return meta;
}
