import type { DrainRow } from '../detectors/index.js';

export const DIMENSIONS = ['session', 'project', 'day', 'week', 'month', 'block', 'model', 'agent', 'tool'] as const;
export type Dimension = (typeof DIMENSIONS)[number];
export const FORMATS = ['table', 'markdown', 'json', 'csv'] as const;
export type Format = (typeof FORMATS)[number];

export interface TokenFields {
  inputTokens: number;
  outputTokens: number;
  cacheCreationTokens: number;
  cacheReadTokens: number;
  costUsd: number;
}

export interface Counted extends TokenFields {
  totalTokens: number;
  responses: number;
  /** Responses of models without a price: their cost is not in costUsd. */
  unpricedResponses: number;
}

export interface ModelBreakdown extends Counted {
  model: string;
}

export interface ReportRow extends Counted {
  /** The session id, date, week, model, agent type, tool name… */
  key: string;
  models: string[];
  breakdown?: ModelBreakdown[];
  project?: string;
  firstActivity?: string;
  lastActivity?: string;
  /** Tool rows: calls made, failed (error or rejected), tokens their results added to the context. */
  calls?: number;
  failedCalls?: number;
  addedTokens?: number;
}

/** What one tool call's result cost: see docs/report.md, "Per-tool-call attribution". */
export interface ToolCallCost {
  toolUseId: string;
  name: string;
  summary: string;
  agentKey: string;
  outcome: string | null;
  /** Tokens the result added to the context of the next response. */
  addedTokens: number;
  /** Later responses that carried those tokens (until a compaction dropped them). */
  carriedResponses: number;
  costUsd: number;
}

export type FindingKind = 'retryStorm' | 'duplicateRead' | 'contextThreshold' | 'sessionCostThreshold';

export interface FindingEvidence {
  toolUseId: string;
  toolName: string;
  summary: string;
  outcome: string;
  detail?: string;
}

export interface Finding {
  kind: FindingKind;
  sessionId: string;
  agentKey: string;
  title: string;
  /** Estimated dollars wasted (see docs/report.md for the method). */
  wastedUsd: number;
  evidence: FindingEvidence[];
  /** A file, for duplicate reads. */
  path?: string;
}

export interface Report {
  by: Dimension;
  timeZone: string;
  since?: string;
  until?: string;
  sessionId?: string;
  rows: ReportRow[];
  totals: Counted;
  unpricedModels: string[];
  malformedLines: number;
  findings: Finding[];
  /** The audit-style table: one row per cost driver, share of the period's spend, largest first (docs/drains.md). */
  drains: DrainRow[];
  /** Session reports: the costliest tool calls and the calls' outcome counts. */
  costliestCalls?: ToolCallCost[];
  toolCalls?: { total: number; failed: number; blocked: number };
  agents?: ReportRow[];
}
