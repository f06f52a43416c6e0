import type { Config } from '../config/schema.js';
import type { Verdict } from './types.js';

export interface UnattendedState {
  /** Tool calls by all agents since the user's last prompt (this one included). */
  callsSincePrompt: number;
  /** Minutes since the user's last prompt. */
  minutesSincePrompt: number;
}

/** A long stretch of tool calls nobody asked for in between: the agent is running unattended. */
export function evaluateUnattended(state: UnattendedState, config: Config['unattended']): Verdict | undefined {
  const max = config.maxCallsWithoutPrompt;
  if (max === null || state.callsSincePrompt <= max) return undefined;
  const text =
    `costguard: ${state.callsSincePrompt} tool calls over ${Math.round(state.minutesSincePrompt)} min since the user's last message ` +
    `(limit ${max}, unattended.maxCallsWithoutPrompt).`;
  switch (config.action) {
    case 'block':
      return { guard: 'unattended', deny: `${text} Tool calls are blocked: stop and report your progress to the user, who can tell you to continue.` };
    case 'warn':
      return { guard: 'unattended', context: `${text} Check in with the user before going further.`, onceKey: `unattended:${max}` };
    case 'log':
      return { guard: 'unattended', log: text, onceKey: `unattended:${max}` };
    default:
      config.action satisfies never;
      return undefined;
  }
}
