import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const TRANSCRIPTS = fileURLToPath(new URL('../../fixtures/claude-code-2.1.197/transcripts/', import.meta.url));

export const MAIN_TRANSCRIPT = `${TRANSCRIPTS}main-session.jsonl`;
export const SUBAGENT_ID = 'a0ab496b36f1d6639';
export const SUBAGENT_TRANSCRIPT = `${TRANSCRIPTS}subagent-agent-${SUBAGENT_ID}.jsonl`;
export const SUBAGENT_META = `${TRANSCRIPTS}subagent-agent-${SUBAGENT_ID}.meta.json`;

export function readFixture(path: string): string {
  return readFileSync(path, 'utf8');
}

export interface TokenTotals {
  responses: number;
  input: number;
  output: number;
  cacheCreation: number;
  cacheRead: number;
}

/**
 * The expected totals, computed straight from the JSON without the parser under test:
 * one entry per (message.id, requestId), skipping Claude Code's "<synthetic>" placeholders.
 */
export function sumUsageIndependently(jsonl: string): TokenTotals {
  const byResponse = new Map<string, Record<string, number>>();
  for (const line of jsonl.split('\n')) {
    if (line === '') continue;
    const entry = JSON.parse(line);
    if (entry.type !== 'assistant' || entry.message.model === '<synthetic>') continue;
    byResponse.set(`${entry.message.id}/${entry.requestId}`, entry.message.usage);
  }
  const totals: TokenTotals = { responses: byResponse.size, input: 0, output: 0, cacheCreation: 0, cacheRead: 0 };
  for (const usage of byResponse.values()) {
    totals.input += usage.input_tokens ?? 0;
    totals.output += usage.output_tokens ?? 0;
    totals.cacheCreation += usage.cache_creation_input_tokens ?? 0;
    totals.cacheRead += usage.cache_read_input_tokens ?? 0;
  }
  return totals;
}
