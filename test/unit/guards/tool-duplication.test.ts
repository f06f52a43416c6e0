import { describe, expect, it } from 'vitest';
import { evaluateToolDuplication, signatureOf, similarity, tokenizeCommand, type PriorCall } from '../../../src/guards/tool-duplication.js';

const cwd = '/repo';
const cfg: { action: 'warn' | 'block' | 'off'; similarity: number; window: number } = { action: 'warn', similarity: 0.8, window: 30 };
const T = Date.parse('2026-11-25T10:00:00Z');
let n = 0;
const prior = (toolName: string, input: unknown, over: Partial<PriorCall> = {}): PriorCall => ({
  toolUseId: `p${++n}`,
  toolName,
  summary: JSON.stringify(input),
  signature: signatureOf(toolName, input, cwd),
  outcome: 'ok',
  at: T - 30_000,
  ...over,
});
const evaluate = (toolName: string, input: unknown, previous: PriorCall[], config = cfg) =>
  evaluateToolDuplication({ toolName, signature: signatureOf(toolName, input, cwd), previous, now: T }, config);

describe('signatureOf', () => {
  it('normalizes quoting, combined flags and relative paths of Bash commands', () => {
    expect(signatureOf('Bash', { command: `grep -rn "foo" ./src/` }, cwd)?.key).toBe(signatureOf('Bash', { command: `grep -r -n foo /repo/src` }, cwd)?.key);
    expect(tokenizeCommand(`grep -rni 'a b' src`, cwd)).toEqual(['grep', '-r', '-n', '-i', 'a', 'b', 'src']);
  });

  it('leaves file reads to the duplicate-read guard and marks writes', () => {
    expect(signatureOf('Bash', { command: 'cat notes.txt' }, cwd)).toBeUndefined();
    expect(signatureOf('Read', { file_path: '/x' }, cwd)).toBeUndefined();
    expect(signatureOf('Edit', { file_path: '/x' }, cwd)?.modifies).toBe(true);
  });

  it.each([
    ['sed -i s/a/b/ x', true],
    ['npm install', true],
    ['git commit -m x', true],
    ['echo hi > out.txt', true],
    ['npm test 2>&1', false],
    ['grep foo src 2>/dev/null', false],
    ['git status', false],
    ['npm test', false],
  ])('`%s` may modify files: %s', (command, modifies) => {
    expect(signatureOf('Bash', { command }, cwd)?.modifies).toBe(modifies);
  });

  it('ignores the description and normalizes other tools', () => {
    expect(signatureOf('Grep', { pattern: 'x', path: 'src', description: 'a' }, cwd)?.key).toBe(signatureOf('Grep', { path: '/repo/src', pattern: 'x' }, cwd)?.key);
    expect(signatureOf('WebFetch', { url: 'https://Example.com/a/#top', prompt: 'p' }, cwd)?.key).toBe('WebFetch:https://example.com/a');
    expect(signatureOf('WebSearch', { query: 'Claude  Code hooks' }, cwd)?.key).toBe('WebSearch:claude code hooks');
  });
});

describe('similarity', () => {
  it('is Jaccard over token multisets', () => {
    expect(similarity(['a', 'b'], ['a', 'b'])).toBe(1);
    expect(similarity(['a', 'b', 'c', 'd', 'e'], ['a', 'b', 'c', 'd', 'e', 'f'])).toBeCloseTo(5 / 6);
    expect(similarity(['a'], ['b'])).toBe(0);
  });
});

describe('evaluateToolDuplication', () => {
  it('flags the same successful call repeated with nothing changed since', () => {
    const v = evaluate('Bash', { command: 'npm test' }, [prior('Bash', { command: 'npm  test' })]);
    expect(v?.guard).toBe('toolDuplication');
    expect(v?.context).toMatch(/^costguard: repeated tool call\. This is the same call as .*npm {2}test.* \(Bash\), which succeeded 30 s ago, and nothing was changed since/);
  });

  it('flags a near-identical search', () => {
    const v = evaluate('Bash', { command: 'grep -rni foo src' }, [prior('Bash', { command: 'grep -rn foo src' })]);
    expect(v?.context).toContain('nearly the same call');
  });

  it('does not flag after a write (the edit → test loop)', () => {
    expect(evaluate('Bash', { command: 'npm test' }, [prior('Edit', { file_path: '/repo/a' }), prior('Bash', { command: 'npm test' })])).toBeUndefined();
    expect(evaluate('Bash', { command: 'npm test' }, [prior('Bash', { command: 'sed -i s/a/b/ x' }), prior('Bash', { command: 'npm test' })])).toBeUndefined();
  });

  it('does not flag a repeat of a failed call (the retry streak covers those), nor different commands', () => {
    expect(evaluate('Bash', { command: 'npm test' }, [prior('Bash', { command: 'npm test' }, { outcome: 'error' })])).toBeUndefined();
    expect(evaluate('Bash', { command: 'ls src' }, [prior('Bash', { command: 'git log --oneline' })])).toBeUndefined();
  });

  it('blocks when configured, and is off when off', () => {
    const previous = [prior('WebSearch', { query: 'x y' })];
    expect(evaluate('WebSearch', { query: 'X  y' }, previous, { ...cfg, action: 'block' })?.deny).toContain('repeated tool call blocked');
    expect(evaluate('WebSearch', { query: 'x y' }, previous, { ...cfg, action: 'off' })).toBeUndefined();
  });
});
