/**
 * PyTorch-style parameter groups as plain data. Optimizers own them; parameter schedulers read and write
 * their hyper-parameters (`lr`, `momentum`, `weight_decay`, `betas`, `initial_lr`, …) without touching tensors.
 */

/** One parameter group: the parameters plus their hyper-parameters, keyed as in PyTorch / mmengine. */
export interface ParamGroup<P = unknown> {
  /** The parameters in this group (tfjs variables for a real optimizer; anything for a simulation). */
  params?: P[];
  lr?: number;
  momentum?: number;
  weight_decay?: number;
  betas?: [number, number];
  [key: string]: unknown;
}

/**
 * What parameter schedulers drive: an optimizer or an optimizer wrapper (whose groups then include
 * mmengine's `base_param_settings` when there are several groups).
 */
export interface ParamGroupsOwner {
  /** The groups the schedulers update, in order. */
  readonly paramGroups: ParamGroup[];
  /** The optimizer's defaults (PyTorch `optimizer.defaults`): decides whether momentum means `betas[0]`. */
  readonly defaults: Readonly<Record<string, unknown>>;
}

/** Reads a numeric hyper-parameter of a group, with a clear message when it is absent. */
export function groupValue(group: ParamGroup, key: string, index: number): number {
  const v = group[key];
  if (typeof v !== 'number') {
    throw new Error(`param_groups[${index}] has no numeric '${key}' (got ${JSON.stringify(v)})`);
  }
  return v;
}
