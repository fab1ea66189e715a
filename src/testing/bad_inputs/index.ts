/**
 * The bad-input corpus of issue #16: every file kind the studio and the CLI read, as generated cases (see
 * {@link BadInputCase}). `bad_inputs.test.ts` runs each through the real CLI; `e2e/bad_inputs.spec.ts` drops a
 * subset onto the studio's panels.
 */
import { checkpointCases } from './checkpoints';
import { cliCases } from './cli_args';
import { configCases } from './configs';
import { datasetCases } from './datasets';
import { imageCases } from './images';
import { logCases } from './logs';
import { safetensorsCases } from './safetensors';
import type { BadInputCase, BadInputKind } from './types';

export type { BadInputCase, BadInputKind } from './types';

export const BAD_INPUT_CASES: BadInputCase[] = [
  ...configCases, ...checkpointCases, ...safetensorsCases, ...imageCases, ...datasetCases, ...logCases, ...cliCases,
];

/** How many cases each kind has. */
export function countByKind(cases: BadInputCase[] = BAD_INPUT_CASES): Record<BadInputKind, number> {
  const out = { config: 0, checkpoint: 0, safetensors: 0, image: 0, dataset: 0, log: 0, cli: 0 };
  for (const c of cases) out[c.kind]++;
  return out;
}
