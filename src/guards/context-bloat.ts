import type { Config } from '../config/schema.js';
import type { Baseline } from '../detectors/context-bloat.js';
import type { Verdict } from './types.js';

export interface ContextBloatState {
  /** This session's mean context per main-agent turn so far, and over how many turns. */
  meanContext: number;
  responses: number;
  /** The project's baseline from its recent sessions (computed at SessionStart). */
  baseline: Baseline;
}

/** Main-agent turns before the session's own mean says anything. */
const MIN_RESPONSES = 3;

/** Live: this session runs far above the project's own baseline (the report's contextBloat, as it happens). */
export function evaluateContextBloat(state: ContextBloatState, config: Config['detectors']['contextBloat']): Verdict | undefined {
  const { baseline } = state;
  if (config.liveAction === 'off' || baseline.n < config.minSessions || state.responses < MIN_RESPONSES) return undefined;
  const limit = baseline.mean + config.sigmas * baseline.std;
  if (state.meanContext <= limit) return undefined;
  const k = (n: number) => `${Math.round(n / 1000)}k`;
  return {
    guard: 'contextBloat',
    context:
      `costguard: this session's context averages ${k(state.meanContext)} tokens per turn, far above this project's usual ` +
      `${k(baseline.mean)} (± ${k(baseline.std)} over its last ${baseline.n} sessions). Every turn re-sends it: keep large ` +
      `outputs out of the conversation (targeted reads, head/grep), and suggest /compact or a fresh session to the user.`,
    onceKey: 'contextBloat',
  };
}
