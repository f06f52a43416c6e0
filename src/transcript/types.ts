/** The token counts of one API response, as every layer that stores or prices them carries them. */
export type ResponseTokens = Pick<
  UsageRecord,
  'messageId' | 'requestId' | 'model' | 'inputTokens' | 'outputTokens' | 'cacheCreationTokens' | 'cacheCreation5mTokens' | 'cacheCreation1hTokens' | 'cacheReadTokens'
>;

/** One API response's usage, as written in a transcript (one per message.id + requestId). */
export interface UsageRecord {
  messageId: string;
  requestId: string;
  model: string;
  inputTokens: number;
  outputTokens: number;
  /** cache_creation_input_tokens, total */
  cacheCreationTokens: number;
  /** usage.cache_creation.ephemeral_5m_input_tokens (falls back to cacheCreationTokens when the split is absent) */
  cacheCreation5mTokens: number;
  /** usage.cache_creation.ephemeral_1h_input_tokens */
  cacheCreation1hTokens: number;
  cacheReadTokens: number;
  /** ISO timestamp of the line */
  timestamp: string;
  isSidechain: boolean;
  /** agentId of the line (subagent transcripts), undefined for the main agent */
  agentId?: string;
}

/** A tool_use block of an assistant line. */
export interface ToolUseRecord {
  toolUseId: string;
  name: string;
  input: unknown;
  messageId: string;
  timestamp: string;
  agentId?: string;
}

/** A tool_result block of a user line. */
export interface ToolResultRecord {
  toolUseId: string;
  isError: boolean;
  /** The call never ran: content starts with <tool_use_error> (unknown tool, Edit of a missing file...). */
  rejected: boolean;
  /** toolUseResult.type === "file_unchanged" (Claude Code's own re-read stub). */
  unchanged: boolean;
  /** Error text (content), only when isError; not truncated here. */
  errorText?: string;
  /** Characters of text the result put into the context (its text blocks); the report weighs calls by it. */
  contentChars?: number;
  timestamp: string;
  agentId?: string;
}

export interface CompactionRecord {
  timestamp: string;
  trigger?: string;
  preTokens?: number;
}

export interface ChunkResult {
  usages: UsageRecord[];
  toolUses: ToolUseRecord[];
  toolResults: ToolResultRecord[];
  compactions: CompactionRecord[];
  /** Complete lines that were not valid JSON or lacked required fields. */
  malformedLines: number;
  /** Bytes consumed: up to and including the last '\n' of the chunk. A partial last line is left for next time. */
  consumedBytes: number;
}
