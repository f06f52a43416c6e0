import type {
  ChunkResult,
  CompactionRecord,
  ToolResultRecord,
  ToolUseRecord,
  UsageRecord,
} from './types.js';

// A line without any of these cannot contribute a record, so it is never JSON.parse'd:
// transcripts reach 100 MB, and attachments, prompts and bookkeeping lines are half of them.
// Tool results first: they are the largest lines, and their marker comes early in them.
const RELEVANT_MARKERS = ['"tool_result"', '"usage"', '"compact_boundary"'] as const;

const REJECTED_PREFIX = '<tool_use_error>';
const SYNTHETIC_MODEL = '<synthetic>';

/** Thrown inside a line's extraction only; turns the whole line into one malformed count. */
class MalformedLine extends Error {}

type Json = Record<string, unknown>;

interface LineContext {
  timestamp: string;
  agentId: string | undefined;
}

/**
 * Extracts usage, tool calls, tool results and compactions from the complete lines of `text`.
 * A trailing partial line is left unconsumed. Never throws on bad input: a line that is not
 * JSON, or whose relevant fields have the wrong type, counts once in `malformedLines` and
 * contributes nothing.
 */
export function parseTranscriptChunk(text: string, opts?: { agentId?: string }): ChunkResult {
  const end = text.lastIndexOf('\n') + 1;
  const result: ChunkResult = {
    usages: [],
    toolUses: [],
    toolResults: [],
    compactions: [],
    malformedLines: 0,
    // Counted only when asked for: readers resume from the file's byte offsets instead, and a
    // character-by-character count was a fifth of a first report's time over 500 MB.
    get consumedBytes() {
      return countUtf8Bytes(text, end);
    },
  };
  // One response is written as one line per content block, all with the same usage.
  const usageByResponse = new Map<string, UsageRecord>();

  for (let start = 0; start < end; ) {
    const newline = text.indexOf('\n', start);
    const line = text.slice(start, newline);
    start = newline + 1;

    const shape = classifyCheaply(line);
    if (shape === 'blank') continue;
    if (shape === 'malformed') {
      result.malformedLines++;
      continue;
    }
    if (!RELEVANT_MARKERS.some((marker) => line.includes(marker))) continue;

    try {
      collectLine(parseObject(line), opts?.agentId, result, usageByResponse);
    } catch (error) {
      if (!(error instanceof MalformedLine)) throw error;
      result.malformedLines++;
    }
  }

  result.usages = [...usageByResponse.values()];
  return result;
}

/** Catches garbage and truncated lines without parsing, so the fast path still counts them. */
function classifyCheaply(line: string): 'blank' | 'malformed' | 'object' {
  const trimmed = line.trim();
  if (trimmed === '') return 'blank';
  return trimmed.startsWith('{') && trimmed.endsWith('}') ? 'object' : 'malformed';
}

function parseObject(line: string): Json {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch {
    throw new MalformedLine();
  }
  if (!isObject(value)) throw new MalformedLine();
  return value;
}

/** Reads every record of the line before adding any, so a malformed line adds nothing. */
function collectLine(
  line: Json,
  defaultAgentId: string | undefined,
  result: ChunkResult,
  usageByResponse: Map<string, UsageRecord>,
): void {
  const ctx: LineContext = {
    timestamp: checkOptionalString(line.timestamp) ?? '',
    agentId: checkOptionalString(line.agentId) ?? defaultAgentId,
  };
  const message = line.message;

  if (line.type === 'assistant' && isObject(message)) {
    const usage = readUsage(line, message, ctx);
    const toolUses = readToolUses(message, ctx);
    if (usage) keepMostComplete(usageByResponse, usage);
    result.toolUses.push(...toolUses);
  } else if (line.type === 'user' && isObject(message)) {
    result.toolResults.push(...readToolResults(line, message, ctx));
  } else if (line.type === 'system' && line.subtype === 'compact_boundary') {
    result.compactions.push(readCompaction(line, ctx));
  }
}

function keepMostComplete(usageByResponse: Map<string, UsageRecord>, usage: UsageRecord): void {
  const key = `${usage.messageId}\u0000${usage.requestId}`;
  const seen = usageByResponse.get(key);
  // Streaming can write a block before the final output_tokens is known; the largest is final.
  if (!seen || usage.outputTokens > seen.outputTokens) usageByResponse.set(key, usage);
}

function readUsage(line: Json, message: Json, ctx: LineContext): UsageRecord | undefined {
  const usage = message.usage;
  if (usage === undefined) return undefined;
  if (!isObject(usage)) throw new MalformedLine();

  const model = checkString(message.model);
  const messageId = checkString(message.id);
  // Synthetic lines (e.g. "No response requested.") have no requestId.
  const requestId = checkOptionalString(line.requestId) ?? '';
  const inputTokens = checkCount(usage.input_tokens);
  const outputTokens = checkCount(usage.output_tokens);
  const cacheCreationTokens = checkOptionalCount(usage.cache_creation_input_tokens);
  const cacheReadTokens = checkOptionalCount(usage.cache_read_input_tokens);
  const split = readCacheSplit(usage.cache_creation, cacheCreationTokens);

  if (
    model === SYNTHETIC_MODEL &&
    inputTokens + outputTokens + cacheCreationTokens + cacheReadTokens === 0
  ) {
    return undefined;
  }
  const record: UsageRecord = {
    messageId,
    requestId,
    model,
    inputTokens,
    outputTokens,
    cacheCreationTokens,
    cacheCreation5mTokens: split.fiveMinute,
    cacheCreation1hTokens: split.oneHour,
    cacheReadTokens,
    timestamp: ctx.timestamp,
    isSidechain: line.isSidechain === true,
  };
  if (ctx.agentId !== undefined) record.agentId = ctx.agentId;
  return record;
}

function readCacheSplit(split: unknown, total: number): { fiveMinute: number; oneHour: number } {
  if (split === undefined || split === null) return { fiveMinute: total, oneHour: 0 };
  if (!isObject(split)) throw new MalformedLine();
  const fiveMinute = checkOptionalCount(split.ephemeral_5m_input_tokens);
  const oneHour = checkOptionalCount(split.ephemeral_1h_input_tokens);
  // An all-zero split next to a non-zero total means the split was not reported (seen from
  // API stand-ins); billing it all as 5m is the cheaper, documented default.
  if (fiveMinute + oneHour === 0) return { fiveMinute: total, oneHour: 0 };
  return { fiveMinute, oneHour };
}

function readToolUses(message: Json, ctx: LineContext): ToolUseRecord[] {
  const messageId = checkOptionalString(message.id) ?? '';
  return selectBlocks(message.content, 'tool_use').map((block) => {
    const record: ToolUseRecord = {
      toolUseId: checkString(block.id),
      name: checkString(block.name),
      input: block.input,
      messageId,
      timestamp: ctx.timestamp,
    };
    if (ctx.agentId !== undefined) record.agentId = ctx.agentId;
    return record;
  });
}

function readToolResults(line: Json, message: Json, ctx: LineContext): ToolResultRecord[] {
  const toolUseResult = line.toolUseResult;
  const unchanged = isObject(toolUseResult) && toolUseResult.type === 'file_unchanged';
  return selectBlocks(message.content, 'tool_result').map((block) => {
    const isError = checkOptionalBoolean(block.is_error) ?? false;
    const text = readResultText(block.content);
    const record: ToolResultRecord = {
      toolUseId: checkString(block.tool_use_id),
      isError,
      // A successful result can legitimately print "<tool_use_error>" (e.g. Bash echo).
      rejected: isError && text.startsWith(REJECTED_PREFIX),
      unchanged,
      timestamp: ctx.timestamp,
      contentChars: text.length,
    };
    if (isError) record.errorText = text;
    if (ctx.agentId !== undefined) record.agentId = ctx.agentId;
    return record;
  });
}

/** tool_result content is a string or an array of blocks; only text blocks carry words. */
function readResultText(content: unknown): string {
  if (content === undefined || content === null) return '';
  if (typeof content === 'string') return content;
  if (!Array.isArray(content)) throw new MalformedLine();
  const texts: string[] = [];
  for (const block of content) {
    if (!isObject(block)) throw new MalformedLine();
    if (block.type === 'text') texts.push(checkString(block.text));
  }
  return texts.join('\n');
}

function readCompaction(line: Json, ctx: LineContext): CompactionRecord {
  const record: CompactionRecord = { timestamp: ctx.timestamp };
  const metadata = line.compactMetadata;
  if (metadata === undefined || metadata === null) return record;
  if (!isObject(metadata)) throw new MalformedLine();
  const trigger = checkOptionalString(metadata.trigger);
  const preTokens = metadata.preTokens === undefined ? undefined : checkCount(metadata.preTokens);
  if (trigger !== undefined) record.trigger = trigger;
  if (preTokens !== undefined) record.preTokens = preTokens;
  return record;
}

/** User text messages have string content; only arrays hold blocks. */
function selectBlocks(content: unknown, type: string): Json[] {
  if (!Array.isArray(content)) return [];
  return content.filter((block): block is Json => isObject(block) && block.type === type);
}

/** UTF-8 length of text[0, end) without allocating an encoded copy. */
function countUtf8Bytes(text: string, end: number): number {
  let bytes = end;
  for (let i = 0; i < end; i++) {
    const code = text.charCodeAt(i);
    if (code < 0x80) continue;
    if (code < 0x800) bytes += 1;
    else if (code >= 0xd800 && code <= 0xdbff && i + 1 < end && isLowSurrogate(text.charCodeAt(i + 1))) {
      bytes += 2; // the pair is 2 code units, 4 bytes
      i++;
    } else bytes += 2; // includes lone surrogates, which encoders write as U+FFFD (3 bytes)
  }
  return bytes;
}

function isLowSurrogate(code: number): boolean {
  return code >= 0xdc00 && code <= 0xdfff;
}

function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function checkString(value: unknown): string {
  if (typeof value !== 'string') throw new MalformedLine();
  return value;
}

function checkOptionalString(value: unknown): string | undefined {
  return value === undefined || value === null ? undefined : checkString(value);
}

function checkOptionalBoolean(value: unknown): boolean | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'boolean') throw new MalformedLine();
  return value;
}

function checkCount(value: unknown): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0) {
    throw new MalformedLine();
  }
  return value;
}

function checkOptionalCount(value: unknown): number {
  return value === undefined || value === null ? 0 : checkCount(value);
}
