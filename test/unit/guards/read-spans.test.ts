import { describe, expect, it } from 'vitest';
import { describeReads, describeWrites, resolvePath, splitSimpleCommand } from '../../../src/guards/read-spans.js';

const cwd = '/home/dev/project';

describe('describeReads', () => {
  it('describes a plain Read as the default window', () => {
    expect(describeReads('Read', { file_path: '/home/dev/project/notes.txt' }, cwd)).toEqual([
      { path: '/home/dev/project/notes.txt', start: 1, end: 2000, recordable: true },
    ]);
  });

  it('describes a ranged Read (offset is a 1-based line number)', () => {
    expect(describeReads('Read', { file_path: 'a/../notes.txt', offset: 10, limit: 5 }, cwd)).toEqual([
      { path: '/home/dev/project/notes.txt', start: 10, end: 14, recordable: true },
    ]);
  });

  it.each([
    ['cat notes.txt', [{ path: `${cwd}/notes.txt`, start: 1, end: null, recordable: true }]],
    ['cat "my notes.txt" b', [
      { path: `${cwd}/my notes.txt`, start: 1, end: null, recordable: true },
      { path: `${cwd}/b`, start: 1, end: null, recordable: true },
    ]],
    ['head -n 20 /etc/hosts', [{ path: '/etc/hosts', start: 1, end: 20, recordable: true }]],
    ['head -5 x', [{ path: `${cwd}/x`, start: 1, end: 5, recordable: true }]],
    ['head x', [{ path: `${cwd}/x`, start: 1, end: 10, recordable: true }]],
    ['tail -n 3 x', [{ path: `${cwd}/x`, start: 1, end: null, recordable: false }]],
    ["sed -n '5,9p' x", [{ path: `${cwd}/x`, start: 5, end: 9, recordable: true }]],
    ["sed -n '7p' x", [{ path: `${cwd}/x`, start: 7, end: 7, recordable: true }]],
    ["sed -n '7,$p' x", [{ path: `${cwd}/x`, start: 7, end: null, recordable: true }]],
  ])('describes Bash `%s`', (command, expected) => {
    expect(describeReads('Bash', { command }, cwd)).toEqual(expected);
  });

  it.each([
    'cat x | grep y',
    'cat x > y',
    'cat $(echo x)',
    'cat *.txt',
    'cd a && cat x',
    'cat -n x',
    "sed -i 's/a/b/' x",
    'head -c 10 x',
    'ls',
    'cat',
    'cat "unterminated',
  ])('ignores `%s`', (command) => {
    expect(describeReads('Bash', { command }, cwd)).toBeUndefined();
  });

  it('ignores other tools and malformed inputs', () => {
    expect(describeReads('Write', { file_path: '/x' }, cwd)).toBeUndefined();
    expect(describeReads('Read', { file_path: 42 }, cwd)).toBeUndefined();
    expect(describeReads('Read', null, cwd)).toBeUndefined();
    expect(describeReads('Bash', 'cat x', cwd)).toBeUndefined();
  });
});

describe('describeWrites', () => {
  it('names the file of Edit, Write, MultiEdit and NotebookEdit', () => {
    expect(describeWrites('Edit', { file_path: 'notes.txt' }, cwd)).toEqual([`${cwd}/notes.txt`]);
    expect(describeWrites('Write', { file_path: '/a/b' }, cwd)).toEqual(['/a/b']);
    expect(describeWrites('NotebookEdit', { notebook_path: '/n.ipynb' }, cwd)).toEqual(['/n.ipynb']);
    expect(describeWrites('Read', { file_path: '/a/b' }, cwd)).toEqual([]);
  });
});

describe('helpers', () => {
  it('resolves paths without touching disk', () => {
    expect(resolvePath('../x/./y', '/a/b')).toBe('/a/x/y');
    expect(resolvePath('/abs//p/', undefined)).toBe('/abs/p');
  });

  it('splits only simple commands', () => {
    expect(splitSimpleCommand(`cat 'a b' "c"`)).toEqual(['cat', 'a b', 'c']);
    expect(splitSimpleCommand('echo "$HOME"')).toBeUndefined();
    expect(splitSimpleCommand('a; b')).toBeUndefined();
  });
});
