/**
 * What the drain detectors see: facts about sessions, independent of where they were read from
 * (transcripts, session stores). Pure data; the report builds them.
 */
export interface ToolUseFact {
  name: string;
  input: unknown;
}

export interface ResponseFact {
  timestamp: string;
  model: string;
  /** 'main' or the subagent type. */
  agent: string;
  inputTokens: number;
  outputTokens: number;
  cacheCreationTokens: number;
  cacheReadTokens: number;
  /** null: the model has no price. */
  costUsd: number | null;
  /** The tool calls this response issued. */
  tools: ToolUseFact[];
}

export interface CallFact {
  agent: string;
  name: string;
  /** Set when the call is known by id (the report charges repeated calls through it). */
  toolUseId?: string;
  /** A short description of the input: a Bash command, a URL, a query (see summarizeInput). */
  summary?: string;
  /** ok, error, rejected, denied, interrupted, unchanged, pending. */
  outcome: string;
  /** The costguard guard that warned about or denied it, if any. */
  guard?: string;
}

export interface SessionFact {
  sessionId: string;
  project: string;
  /** The model the session asked for (SessionStart's model), when known. */
  requestedModel?: string;
  responses: ResponseFact[];
  calls: CallFact[];
  /** When the user's prompts arrived (ISO). */
  prompts: string[];
}

export type DrainKind =
  | 'retryStorm'
  | 'duplicateRead'
  | 'toolDuplication'
  | 'modelMisallocation'
  | 'routingFallback'
  | 'contextBloat'
  | 'unattended'
  | 'outsideHours'
  | 'baselineDrift'
  | 'silentDegradation';

export interface DrainFinding {
  driver: DrainKind;
  sessionId?: string;
  agent?: string;
  /** Dollars attributed to the drain (see each detector for the method). */
  usd: number;
  /** What tripped the detector, with the threshold. */
  trigger: string;
  evidence: string[];
  fix: string;
}

/** Prices a response as if it had been served by another model; undefined when that model has no price. */
export type Reprice = (response: ResponseFact, model: string) => number | undefined;
