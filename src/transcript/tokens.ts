import type { ResponseTokens, UsageRecord } from './types.js';

/** A response's identity and token counts, as the session store and the usage index both keep them. */
export function responseTokensOf(u: UsageRecord): ResponseTokens {
  return {
    messageId: u.messageId,
    requestId: u.requestId,
    model: u.model,
    inputTokens: u.inputTokens,
    outputTokens: u.outputTokens,
    cacheCreationTokens: u.cacheCreationTokens,
    cacheCreation5mTokens: u.cacheCreation5mTokens,
    cacheCreation1hTokens: u.cacheCreation1hTokens,
    cacheReadTokens: u.cacheReadTokens,
  };
}
