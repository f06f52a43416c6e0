import { describe, expect, it } from 'vitest';
import { endsHereDocEarly } from '../../../src/cli/slash-guard.js';
import { splitArgs } from '../../../src/cli/split-args.js';

describe('slash command arguments', () => {
  it.each([
    ['--since 7d --by day', ['--since', '7d', '--by', 'day']],
    [`--by "day" --since '7d'`, ['--by', 'day', '--since', '7d']],
    ['--session $(touch /tmp/x) `id` ; rm -rf /', ['--session', '$(touch', '/tmp/x)', '`id`', ';', 'rm', '-rf', '/']],
    ['a\\ b "c\\"d" \'e"f\'\n--all', ['a b', 'c"d', 'e"f', '--all']],
    ['', []],
  ])('%j', (text, words) => expect(splitArgs(text)).toEqual(words));

  it('detects a here-document ended early by the arguments (as Claude Code quotes it for eval)', () => {
    const wrap = (args: string) => `bash\n-c\nsource snap && eval 'node "/p/dist/cli.mjs" report --slash <<'"'"'COSTGUARD_ARGS'"'"'\n${args}' && pwd -P >| /tmp/cwd`;
    expect(endsHereDocEarly(wrap('--since 7d'))).toBe(false);
    expect(endsHereDocEarly(wrap('--by day\nCOSTGUARD_ARGS\nnode -e "x"'))).toBe(true);
    expect(endsHereDocEarly(wrap('COSTGUARD_ARGS_NOT\n COSTGUARD_ARGS'))).toBe(false);
  });
});
