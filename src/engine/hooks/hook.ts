/** Hook priorities as mmengine's `Priority` (lower runs first). */
export const PRIORITY = {
  HIGHEST: 0,
  VERY_HIGH: 10,
  HIGH: 30,
  ABOVE_NORMAL: 40,
  NORMAL: 50,
  BELOW_NORMAL: 60,
  LOW: 70,
  VERY_LOW: 90,
  LOWEST: 100,
} as const;
export type PriorityName = keyof typeof PRIORITY;

/** A priority given as a name (`'ABOVE_NORMAL'`) or a number. */
export function priorityValue(p: PriorityName | number | undefined, fallback: PriorityName): number {
  if (p === undefined) return PRIORITY[fallback];
  if (typeof p === 'number') return p;
  if (!(p in PRIORITY)) throw new Error(`Unknown hook priority '${p}': use one of ${Object.keys(PRIORITY).join(', ')} or a number 0–100`);
  return PRIORITY[p];
}

export type DataBatch = unknown;

/**
 * mmengine's `Hook`: methods called at each stage of a run; each hook implements the ones it needs.
 * `R` is the runner type (kept generic so hooks depend only on what they read).
 */
export abstract class Hook<R = unknown> {
  /** Name of the default priority. */
  static readonly defaultPriority: PriorityName = 'NORMAL';
  priority: number;

  /** Built from a config dict (`{priority: 'ABOVE_NORMAL', ...}`) or given a priority directly. */
  constructor(cfg?: { priority?: PriorityName | number } | PriorityName | number) {
    const p = typeof cfg === 'object' && cfg !== null ? cfg.priority : cfg;
    this.priority = priorityValue(p, (this.constructor as typeof Hook).defaultPriority);
  }

  beforeRun?(runner: R): void | Promise<void>;
  afterRun?(runner: R): void | Promise<void>;
  beforeTrain?(runner: R): void | Promise<void>;
  afterTrain?(runner: R): void | Promise<void>;
  beforeVal?(runner: R): void | Promise<void>;
  afterVal?(runner: R): void | Promise<void>;
  beforeTest?(runner: R): void | Promise<void>;
  afterTest?(runner: R): void | Promise<void>;
  beforeSaveCheckpoint?(runner: R, checkpoint: Record<string, unknown>): void | Promise<void>;
  afterLoadCheckpoint?(runner: R, checkpoint: Record<string, unknown>): void | Promise<void>;
  beforeTrainEpoch?(runner: R): void | Promise<void>;
  afterTrainEpoch?(runner: R): void | Promise<void>;
  beforeValEpoch?(runner: R): void | Promise<void>;
  afterValEpoch?(runner: R, metrics: Record<string, unknown> | null): void | Promise<void>;
  beforeTestEpoch?(runner: R): void | Promise<void>;
  afterTestEpoch?(runner: R, metrics: Record<string, unknown> | null): void | Promise<void>;
  beforeTrainIter?(runner: R, batchIdx: number, dataBatch: DataBatch): void | Promise<void>;
  afterTrainIter?(runner: R, batchIdx: number, dataBatch: DataBatch, outputs: Record<string, number> | null): void | Promise<void>;
  beforeValIter?(runner: R, batchIdx: number, dataBatch: DataBatch): void | Promise<void>;
  afterValIter?(runner: R, batchIdx: number, dataBatch: DataBatch, outputs: unknown): void | Promise<void>;
  beforeTestIter?(runner: R, batchIdx: number, dataBatch: DataBatch): void | Promise<void>;
  afterTestIter?(runner: R, batchIdx: number, dataBatch: DataBatch, outputs: unknown): void | Promise<void>;
}

/** Stage names in mmengine's order (for printing the hook order as mmengine's runner does). */
export const STAGES = [
  ['before_run', 'beforeRun'],
  ['after_load_checkpoint', 'afterLoadCheckpoint'],
  ['before_train', 'beforeTrain'],
  ['before_train_epoch', 'beforeTrainEpoch'],
  ['before_train_iter', 'beforeTrainIter'],
  ['after_train_iter', 'afterTrainIter'],
  ['after_train_epoch', 'afterTrainEpoch'],
  ['before_val', 'beforeVal'],
  ['before_val_epoch', 'beforeValEpoch'],
  ['before_val_iter', 'beforeValIter'],
  ['after_val_iter', 'afterValIter'],
  ['after_val_epoch', 'afterValEpoch'],
  ['after_val', 'afterVal'],
  ['before_save_checkpoint', 'beforeSaveCheckpoint'],
  ['after_train', 'afterTrain'],
  ['before_test', 'beforeTest'],
  ['before_test_epoch', 'beforeTestEpoch'],
  ['before_test_iter', 'beforeTestIter'],
  ['after_test_iter', 'afterTestIter'],
  ['after_test_epoch', 'afterTestEpoch'],
  ['after_test', 'afterTest'],
  ['after_run', 'afterRun'],
] as const;

/** `every_n_inner_iters` / `every_n_epochs` / `end_of_epoch` helpers of mmengine's Hook. */
export const every = {
  nInnerIters: (batchIdx: number, n: number) => n > 0 && (batchIdx + 1) % n === 0,
  nEpochs: (epoch: number, n: number, start = 0) => n > 0 && epoch + 1 >= start && (epoch + 1 - start) % n === 0,
  nTrainIters: (iter: number, n: number, start = 0) => n > 0 && iter + 1 >= start && (iter + 1 - start) % n === 0,
  endOfEpoch: (dataloaderLength: number, batchIdx: number) => batchIdx + 1 === dataloaderLength,
};
