import { appendFileSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { copyHistory, openIndex, reportOn } from './support.js';

const S1 = join('projects', '-home-dev-alpha', '11111111-1111-4111-8111-111111111111.jsonl');

describe('usage index: a second run reads only new bytes', () => {
  it('reads nothing when nothing changed, only the appended bytes otherwise, and finishes a truncated line', () => {
    const dir = copyHistory();
    const index = openIndex();
    const first = reportOn(dir, { by: 'model' }, {}, index);
    expect(first.ingest.filesRead).toBe(4);
    const again = reportOn(dir, { by: 'model' }, {}, index);
    expect(again.ingest).toEqual({ filesRead: 0, bytesRead: 0 });
    expect(again.report.totals).toEqual(first.report.totals);

    // complete the truncated last line of session 1 as a real response, then append one more
    const file = join(dir, S1);
    const text = readFileSync(file, 'utf8');
    const head = text.slice(0, text.lastIndexOf('\n') + 1);
    const line = (id: string, out: number) =>
      JSON.stringify({ type: 'assistant', sessionId: 's', timestamp: '2026-11-20T10:00:00.000Z', requestId: `req_${id}`, message: { id: `msg_${id}`, model: 'claude-opus-4-8', usage: { input_tokens: 1, output_tokens: out, cache_creation_input_tokens: 0, cache_read_input_tokens: 0 } } });
    writeFileSync(file, `${head}${line('new1', 100)}\n`);
    const before = statSync(file).size;
    appendFileSync(file, `${line('new2', 200)}\n${line('new2', 200)}\n`);
    const grown = reportOn(dir, { by: 'model' }, {}, index);
    expect(grown.ingest.filesRead).toBe(1);
    expect(grown.ingest.bytesRead).toBe(statSync(file).size - head.length);
    expect(grown.report.totals.outputTokens).toBe(first.report.totals.outputTokens + 300);
    expect(grown.report.totals.responses).toBe(first.report.totals.responses + 2);
    expect(before).toBeLessThan(statSync(file).size);
  });

  it('re-reads a file that was replaced by a shorter one', () => {
    const dir = copyHistory();
    const index = openIndex();
    const first = reportOn(dir, { by: 'session' }, {}, index);
    const file = join(dir, S1);
    const lines = readFileSync(file, 'utf8').split('\n');
    writeFileSync(file, `${lines.slice(0, 4).join('\n')}\n`);
    const after = reportOn(dir, { by: 'session' }, {}, index);
    const s1 = (r: typeof first.report) => r.rows.find((x) => x.key.startsWith('1111'))!;
    expect(s1(after.report).responses).toBeLessThan(s1(first.report).responses);
  });

  it('re-prices stored rows when the price overrides change', () => {
    const dir = copyHistory();
    const index = openIndex();
    reportOn(dir, { by: 'model' }, {}, index);
    const priced = reportOn(dir, { by: 'model' }, { 'claude-future-9': { input: 1000, output: 0 } }, index);
    const future = priced.report.rows.find((r) => r.key === 'claude-future-9')!;
    expect(future.costUsd).toBeCloseTo(1, 9); // 1000 input tokens at $1000/MTok
    expect(priced.report.unpricedModels).toEqual([]);
  });
});
