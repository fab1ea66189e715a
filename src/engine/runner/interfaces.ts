/**
 * What the runner needs of the parts it drives. The model, optimizer wrapper, schedulers and data loaders of
 * the engine implement these; keeping them as interfaces lets the runner be tested on its own.
 */
import type { Variable } from '@tensorflow/tfjs-core';
import type { DataSample } from '../../evaluation/metrics/base_metric';
import type { StateDict } from '../../models/nn/state_dict';

/** One batch as the data loader yields it (MMPretrain's `dict(inputs=[...], data_samples=[...])`). */
export interface DataBatch {
  inputs: unknown;
  data_samples: Record<string, unknown>[];
}

/** A model the runner can train and evaluate (mmengine's `BaseModel` steps). */
export interface RunnerModel {
  /** One optimisation step: preprocess, loss, backward, update. Returns the logged loss values (`loss`, `loss_*`). */
  trainStep(batch: DataBatch, optimWrapper: RunnerOptimWrapper): Record<string, number> | Promise<Record<string, number>>;
  /** Predictions for a validation / test batch (each with `pred_score`, `pred_label`, `gt_label`). */
  valStep(batch: DataBatch): DataSample[] | Promise<DataSample[]>;
  testStep(batch: DataBatch): DataSample[] | Promise<DataSample[]>;
  train(mode?: boolean): void;
  eval(): void;
  /** PyTorch-named weights for checkpoints. */
  stateDict(): StateDict | Promise<StateDict>;
  loadStateDict(sd: Map<string, unknown>, opts?: { strict?: boolean }): unknown;
  /** Trainable and frozen parameters with their PyTorch names (needed by `EMAHook`). */
  namedParameters?(): [string, Variable][];
}

/** The optimizer wrapper as the runner and hooks see it. */
export interface RunnerOptimWrapper {
  /** Learning rates of the param groups, keyed `lr` (`get_lr()` of mmengine). */
  getLr(): Record<string, number[]>;
  getMomentum?(): Record<string, number[]>;
  stateDict(): unknown;
  /** The state dict without synchronous GPU reads (used for checkpoints when present). */
  stateDictAsync?(): Promise<unknown>;
  loadStateDict?(state: unknown): void;
}

/** A parameter scheduler as the `ParamSchedulerHook` drives it. */
export interface RunnerScheduler {
  readonly byEpoch: boolean;
  /** True for schedulers stepped with the validation metrics (mmengine's `need_val_args`). */
  readonly needValArgs?: boolean;
  step(metrics?: Record<string, unknown>): void;
  stateDict(): unknown;
  loadStateDict?(state: unknown): void;
}

/** A data loader: iterable batches and a known length (`len(dataloader)`). */
export interface RunnerDataLoader {
  readonly length: number;
  [Symbol.asyncIterator](): AsyncIterator<DataBatch>;
  /** Sets the epoch for the sampler's shuffling seed (`DistSamplerSeedHook`). */
  setEpoch?(epoch: number): void;
  /** The dataset's meta information (`classes`…). */
  readonly datasetMeta?: Record<string, unknown>;
}

/** The evaluator (`val_evaluator` / `test_evaluator`). */
export interface RunnerEvaluator {
  process(dataSamples: DataSample[], dataBatch?: unknown): void;
  evaluate(size?: number): Record<string, unknown>;
}
