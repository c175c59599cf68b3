/** Fixed fast-check parameters: a failing property reproduces exactly from its seed. */
export const FC_SEED = 0x7ac17;
export function fcParams(numRuns = 200): { seed: number; numRuns: number } {
  return { seed: FC_SEED, numRuns };
}
