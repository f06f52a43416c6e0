import { describe, it, expect, beforeEach, afterEach } from 'vitest';
import { execFileSync } from 'node:child_process';
import { appendFileSync, copyFileSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseTranscriptChunk } from '../../../src/transcript/parse.js';
import {
  readSubagentMeta,
  readTranscriptDelta,
  subagentTranscriptPath,
  type TranscriptDelta,
} from '../../../src/transcript/read.js';
import { MAIN_TRANSCRIPT, SUBAGENT_META, SUBAGENT_TRANSCRIPT, readFixture, sumUsageIndependently } from './fixture.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'costguard-read-'));
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

function writeTempFile(content: string | Buffer, name = 't.jsonl'): string {
  const path = join(dir, name);
  writeFileSync(path, content);
  return path;
}

function readDelta(path: string, offset: number, maxBytes: number, maxScanBytes?: number): TranscriptDelta {
  const result = readTranscriptDelta(path, offset, maxBytes, maxScanBytes === undefined ? undefined : { maxScanBytes });
  if ('missing' in result) throw new Error(`unexpectedly missing: ${path}`);
  return result;
}


describe('readTranscriptDelta', () => {
  it('reports a missing file, a directory and a missing parent as missing', () => {
    expect(readTranscriptDelta(join(dir, 'nope.jsonl'), 0, 1024)).toEqual({ missing: true });
    expect(readTranscriptDelta(dir, 0, 1024)).toEqual({ missing: true });
    expect(readTranscriptDelta(join(writeTempFile('x\n'), 'child'), 0, 1024)).toEqual({ missing: true });
  });

  // chmod 000 proves nothing as root (CI runs as root), so unreadability is shown with a symlink loop.
  it('reports an unreadable path (symlink loop) as missing', () => {
    const a = join(dir, 'loop-a.jsonl');
    const b = join(dir, 'loop-b.jsonl');
    symlinkSync(b, a);
    symlinkSync(a, b);
    expect(readTranscriptDelta(a, 0, 1024)).toEqual({ missing: true });
  });

  it('does not hang on a FIFO', () => {
    const path = join(dir, 'fifo.jsonl');
    execFileSync('mkfifo', [path]);
    expect(readTranscriptDelta(path, 0, 1024)).toEqual({ missing: true });
  });

  it('returns complete lines with their byte range', () => {
    const path = writeTempFile('a\nbb\npartial');
    expect(readDelta(path, 0, 1024)).toEqual({
      text: 'a\nbb\n',
      startOffset: 0,
      endOffset: 5,
      fileSize: 12,
      reset: false,
      oversizedLine: false,
    });
  });

  it('picks up a partial line once it is finished', () => {
    const path = writeTempFile('a\npart');
    expect(readDelta(path, 0, 1024)).toMatchObject({ text: 'a\n', endOffset: 2 });
    expect(readDelta(path, 2, 1024)).toMatchObject({ text: '', endOffset: 2, oversizedLine: false });
    appendFileSync(path, 'ial\n');
    expect(readDelta(path, 2, 1024)).toMatchObject({ text: 'partial\n', endOffset: 10 });
  });

  it('reads nothing at the end of the file', () => {
    const path = writeTempFile('a\n');
    expect(readDelta(path, 2, 1024)).toMatchObject({ text: '', startOffset: 2, endOffset: 2, reset: false });
  });

  it('never reads more than maxBytes', () => {
    const lines = Array.from({ length: 10 }, (_, i) => `line-${i}-xx\n`); // 10 bytes each
    const path = writeTempFile(lines.join(''));
    expect(readDelta(path, 0, 25)).toMatchObject({ text: lines[0]! + lines[1]!, endOffset: 20 });
    expect(readDelta(path, 20, 10)).toMatchObject({ text: lines[2], endOffset: 30 });
  });

  it('resets to the start when the file shrank below the offset', () => {
    const path = writeTempFile('new\n');
    expect(readDelta(path, 100, 1024)).toEqual({
      text: 'new\n',
      startOffset: 0,
      endOffset: 4,
      fileSize: 4,
      reset: true,
      oversizedLine: false,
    });
  });

  it('resets on an offset that is not a byte position', () => {
    const path = writeTempFile('a\n');
    expect(readDelta(path, -1, 1024)).toMatchObject({ reset: true, startOffset: 0, text: 'a\n' });
    expect(readDelta(path, Number.NaN, 1024)).toMatchObject({ reset: true, startOffset: 0 });
  });

  it('never splits a multi-byte character, so the parser consumes exactly the bytes read', () => {
    const content = Buffer.from('{"a":"é"}\n{"b":"日本😀"}\n{"c":1}\n', 'utf8');
    const path = writeTempFile(content);
    for (let maxBytes = 1; maxBytes <= content.length; maxBytes++) {
      let offset = 0;
      let text = '';
      for (let guard = 0; offset < content.length && guard < 100; guard++) {
        const chunk = readDelta(path, offset, maxBytes);
        expect(chunk.text).not.toContain('\uFFFD');
        if (chunk.text !== '') {
          expect(parseTranscriptChunk(chunk.text).consumedBytes).toBe(chunk.endOffset - chunk.startOffset);
        }
        text += chunk.text;
        offset = chunk.endOffset;
      }
      const longestLine = Buffer.byteLength('{"b":"日本😀"}\n');
      if (maxBytes >= longestLine) expect(text).toBe(content.toString('utf8'));
      else expect(text).not.toContain('日本');
    }
  });

  it('rejects a maxBytes that is not a positive integer', () => {
    const path = writeTempFile('a\n');
    expect(() => readTranscriptDelta(path, 0, 0)).toThrow(RangeError);
    expect(() => readTranscriptDelta(path, 0, 1.5)).toThrow(RangeError);
  });
});

describe('readTranscriptDelta with a line longer than maxBytes', () => {
  const giant = `{"type":"assistant","x":"${'y'.repeat(1000)}"}`;

  it('skips past the line and flags it', () => {
    const path = writeTempFile(`${giant}\nnext\n`);
    const skipped = readDelta(path, 0, 100);
    expect(skipped).toMatchObject({ text: '', startOffset: 0, endOffset: giant.length + 1, oversizedLine: true });
    expect(readDelta(path, skipped.endOffset, 100)).toMatchObject({ text: 'next\n', oversizedLine: false });
  });

  it('waits while the line is still being written', () => {
    const path = writeTempFile(giant);
    expect(readDelta(path, 0, 100)).toMatchObject({ text: '', endOffset: 0, oversizedLine: false });
  });

  it('stops at the scan limit and leaves the tail to parse as one malformed line', () => {
    const path = writeTempFile(`${giant}\n${'{"usage":1}'}\n`);
    const skipped = readDelta(path, 0, 100, 300);
    expect(skipped).toMatchObject({ text: '', endOffset: 300, oversizedLine: true });
    const tail = readDelta(path, skipped.endOffset, 4096);
    const parsed = parseTranscriptChunk(tail.text);
    expect(parsed.malformedLines).toBe(1);
    expect(parsed.consumedBytes).toBe(tail.endOffset - tail.startOffset);
  });

  it('does not flag a full buffer that ends exactly at a newline', () => {
    const path = writeTempFile('0123456789\n');
    expect(readDelta(path, 0, 11)).toMatchObject({ text: '0123456789\n', oversizedLine: false });
  });
});

describe('readTranscriptDelta + parseTranscriptChunk on a growing transcript', () => {
  it('adds up to the same totals as the whole file, whatever the write and read sizes', () => {
    const bytes = Buffer.from(readFixture(MAIN_TRANSCRIPT), 'utf8');
    const expected = sumUsageIndependently(bytes.toString('utf8'));
    const path = writeTempFile('');
    const READ_BYTES = 8192; // above the fixture's longest line (5.2 kB)
    const seen = new Map<string, number>();
    let offset = 0;
    for (let written = 0; written < bytes.length; ) {
      const next = Math.min(bytes.length, written + 997);
      appendFileSync(path, bytes.subarray(written, next));
      written = next;
      const chunk = readDelta(path, offset, READ_BYTES);
      expect(chunk.oversizedLine).toBe(false);
      for (const usage of parseTranscriptChunk(chunk.text).usages) {
        seen.set(`${usage.messageId}/${usage.requestId}`, usage.inputTokens + usage.cacheReadTokens);
      }
      offset = chunk.endOffset;
    }
    // The reader may lag: drain what is left.
    for (let chunk = readDelta(path, offset, READ_BYTES); chunk.text !== ''; chunk = readDelta(path, offset, READ_BYTES)) {
      for (const usage of parseTranscriptChunk(chunk.text).usages) {
        seen.set(`${usage.messageId}/${usage.requestId}`, usage.inputTokens + usage.cacheReadTokens);
      }
      offset = chunk.endOffset;
    }
    expect(offset).toBe(bytes.length);
    expect(seen.size).toBe(expected.responses);
    expect([...seen.values()].reduce((a, b) => a + b, 0)).toBe(expected.input + expected.cacheRead);
  });
});

describe('subagentTranscriptPath', () => {
  it('places the subagent transcript beside the session', () => {
    const main = '/home/dev/.claude/projects/-home-dev-project/d6e1d0e5.jsonl';
    expect(subagentTranscriptPath(main, 'd6e1d0e5', 'a0ab496b36f1d6639')).toBe(
      '/home/dev/.claude/projects/-home-dev-project/d6e1d0e5/subagents/agent-a0ab496b36f1d6639.jsonl',
    );
  });

  it.each([['..'], ['../x'], ['a/b'], ['a\\b'], ['']])('refuses %j as an id', (id) => {
    expect(() => subagentTranscriptPath('/p/s.jsonl', id, 'a1')).toThrow(TypeError);
    expect(() => subagentTranscriptPath('/p/s.jsonl', 's', id)).toThrow(TypeError);
  });
});

describe('readSubagentMeta', () => {
  it('reads the real .meta.json, by its own path or the transcript path', () => {
    const expected = { agentType: 'Explore', description: 'explore', toolUseId: 'toolu_8zmmz2j52o' };
    expect(readSubagentMeta(SUBAGENT_META)).toEqual(expected);
    expect(readSubagentMeta(SUBAGENT_TRANSCRIPT)).toEqual(expected);
  });

  it('finds the meta beside a transcript at the path Claude Code uses', () => {
    const main = join(dir, 'sess.jsonl');
    const transcript = subagentTranscriptPath(main, 'sess', 'a0ab496b36f1d6639');
    mkdirSync(join(dir, 'sess', 'subagents'), { recursive: true });
    copyFileSync(SUBAGENT_META, transcript.replace(/\.jsonl$/, '.meta.json'));
    expect(readSubagentMeta(transcript)?.agentType).toBe('Explore');
  });

  it('returns undefined for a missing, invalid or non-object file', () => {
    expect(readSubagentMeta(join(dir, 'missing.meta.json'))).toBeUndefined();
    expect(readSubagentMeta(writeTempFile('{"agentType":', 'bad.meta.json'))).toBeUndefined();
    expect(readSubagentMeta(writeTempFile('["Explore"]', 'array.meta.json'))).toBeUndefined();
    expect(readSubagentMeta(dir)).toBeUndefined();
  });

  it('keeps only string fields', () => {
    expect(readSubagentMeta(writeTempFile('{"agentType":7,"description":"d"}', 'types.meta.json'))).toEqual({
      description: 'd',
    });
  });
});
