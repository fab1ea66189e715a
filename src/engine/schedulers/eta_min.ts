/** The `eta_min` / `eta_min_ratio` pair shared by the cosine schedulers (mmengine semantics). */

/** Resolves the pair: exactly one may be set; `absentMeansZero` gives CosineAnnealing's default `eta_min=0`. */
export function resolveEtaMin(owner: string, opts: Record<string, unknown>, absentMeansZero: boolean): Record<string, unknown> {
  let eta_min = opts.eta_min ?? null;
  const eta_min_ratio = opts.eta_min_ratio ?? null;
  if (absentMeansZero && eta_min === null && eta_min_ratio === null) eta_min = 0;
  if ((eta_min === null) === (eta_min_ratio === null)) {
    throw new Error(`${owner}: Either \`eta_min\` or \`eta_min_ratio should be specified (exactly one of them)`);
  }
  return { ...opts, eta_min, eta_min_ratio };
}

/** The minimum for a group whose base value is `base`. */
export function etaMinFor(opts: { eta_min: number | null; eta_min_ratio: number | null }, base: number): number {
  return opts.eta_min_ratio === null ? (opts.eta_min as number) : base * opts.eta_min_ratio;
}
