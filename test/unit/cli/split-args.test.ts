import { describe, expect, it } from 'vitest';
import { splitArgs } from '../../../src/cli/split-args.js';

describe('slash command arguments', () => {
  it.each([
    ['--since 7d --by day', ['--since', '7d', '--by', 'day']],
    [`--by "day" --since '7d'`, ['--by', 'day', '--since', '7d']],
    ['--session $(touch /tmp/x) `id` ; rm -rf /', ['--session', '$(touch', '/tmp/x)', '`id`', ';', 'rm', '-rf', '/']],
    ['a\\ b "c\\"d" \'e"f\'\n--all', ['a b', 'c"d', 'e"f', '--all']],
    ['', []],
  ])('%j', (text, words) => expect(splitArgs(text)).toEqual(words));
});
