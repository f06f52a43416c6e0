/**
 * When the user typed a prompt, from a main transcript's text: `user` lines whose content is the
 * user's own words. Left out, as Claude Code writes them (see test/fixtures/claude-code-2.1.197):
 * tool results, `isMeta` lines (skill bodies, caveats), compaction summaries, local-command output,
 * and sidechain lines. A slash command the user typed counts: someone was there. Pure.
 */
export function readPromptTimes(text: string): number[] {
  const out: number[] = [];
  for (const line of text.split('\n')) {
    // Cheap filters before JSON.parse: most lines are responses and tool results.
    if (!line.includes('"type":"user"') || line.includes('"tool_result"') || line.includes('"isMeta":true')) continue;
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch {
      continue; // counted as malformed by the transcript parser when it matters
    }
    if (typeof value !== 'object' || value === null) continue;
    const o = value as Record<string, unknown>;
    if (o.type !== 'user' || o.isSidechain === true || o.isCompactSummary === true || o.isVisibleInTranscriptOnly === true) continue;
    const message = o.message as { content?: unknown } | undefined;
    const content = message?.content;
    const isPrompt =
      typeof content === 'string'
        ? !content.startsWith('<local-command-')
        : Array.isArray(content) && content.length > 0 && content.every((b) => typeof b === 'object' && b !== null && ((b as { type?: unknown }).type === 'text' || (b as { type?: unknown }).type === 'image'));
    const ts = typeof o.timestamp === 'string' ? Date.parse(o.timestamp) : Number.NaN;
    if (isPrompt && Number.isFinite(ts)) out.push(ts);
  }
  return out;
}
