/**
 * MMPretrain's `tools/visualization/vis_scheduler.py` without a runner: builds the config's optimizer param
 * groups (for its `SimpleModel`) and `param_scheduler`, then replays the train loop — epoch-based or
 * iteration-based — recording lr, momentum and weight decay of group 0 in every iteration before the
 * schedulers step (so `values[i]` is the value used in iteration i). No tensors, no DOM: runs anywhere.
 */
import { assert } from '../../utils/assert';
import { autoScaleLr, buildParamSchedulers, schedulerConfigList, type ParamScheduler, type ParamSchedulerConfig } from '../../engine/schedulers';
import { constructParamGroups, SimulatedOptimWrapper, splitOptimWrapperConfig, visSchedulerModel } from '../../engine/optimizers/optim_wrapper_config';
import type { ParamGroup } from '../../engine/optimizers/param_groups';

/** The parameter to plot, as `vis_scheduler.py -p`. */
export type ScheduleParam = 'lr' | 'momentum' | 'wd';
export const SCHEDULE_PARAMS: readonly ScheduleParam[] = ['lr', 'momentum', 'wd'];

export interface SimulateScheduleOptions {
  /** Dataset size (`-d`). Required for epoch-based configs unless the dataset is a standard one of known size. */
  datasetSize?: number;
  /** Number of GPUs (`-n`): the total batch is `train_dataloader.batch_size × ngpus`. Default 1. */
  ngpus?: number;
  /** Apply `auto_scale_lr` (as `train --auto-scale-lr`); `vis_scheduler.py` does not. Default false. */
  autoScaleLr?: boolean;
  /** Refuse runs longer than this many iterations (the UI keeps its thread responsive). Default: no limit. */
  maxTotalIters?: number;
}

/** A scheduler as built for the simulation (steps in its own unit: epochs when `by_epoch`). */
export interface ScheduledEntry {
  type: string;
  param: string;
  begin: number;
  /** `end` (exclusive); mmengine's INF when unbounded. */
  end: number;
  by_epoch: boolean;
  /** Built from an epoch-based config with `convert_to_iter_based=True` (begin/end are then iterations). */
  converted: boolean;
  /** The `[begin, end)` range in iterations (clipped to the run). */
  beginIter: number;
  endIter: number;
}

export interface ScheduleSimulation {
  by_epoch: boolean;
  iters_per_epoch: number;
  total_iters: number;
  /** Total batch size (per GPU × GPUs). */
  batch_size: number;
  batch_size_per_gpu: number;
  ngpus: number;
  dataset_size: number;
  /** `max_epochs` (epoch-based) or null. */
  max_epochs: number | null;
  /** `max_iters` (iteration-based) or null. */
  max_iters: number | null;
  optimizer_type: string;
  /** lr scale applied by `auto_scale_lr` (1 when off). */
  lr_scale: number;
  schedulers: ScheduledEntry[];
  lr: Float64Array;
  momentum: Float64Array;
  wd: Float64Array;
}

/** What `vis-scheduler --json` prints. */
export interface ScheduleCurve {
  param: ScheduleParam;
  iters_per_epoch: number;
  total_iters: number;
  by_epoch: boolean;
  values: number[];
}

/** Train-split sizes of standard datasets, used when no dataset size is given (MMPretrain would build the dataset). */
export const KNOWN_DATASET_SIZES: Record<string, number> = {
  CIFAR10: 50000,
  CIFAR100: 50000,
  MNIST: 60000,
  FashionMNIST: 60000,
  ImageNet: 1281167,
  ImageNet21k: 14197122,
};

type Dict = Record<string, unknown>;

function dict(cfg: Dict, key: string, where = 'config'): Dict {
  const v = cfg[key];
  assert(v && typeof v === 'object' && !Array.isArray(v), () => `${where} is missing the dict '${key}'`);
  return v as Dict;
}

/** `by_epoch` of the train loop: `train_cfg.by_epoch`, else its `type` (`EpochBasedTrainLoop`). */
export function trainLoopByEpoch(trainCfg: Dict): boolean {
  if ('by_epoch' in trainCfg) return Boolean(trainCfg.by_epoch);
  if ('type' in trainCfg) return trainCfg.type === 'EpochBasedTrainLoop';
  throw new Error('please set `train_cfg`.');
}

/** The dataset size to use: the one given, else a known standard dataset's train size. */
export function resolveDatasetSize(cfg: Dict, given: number | undefined): number | undefined {
  if (given !== undefined) return given;
  const loader = cfg.train_dataloader as Dict | undefined;
  const ds = loader?.dataset as Dict | undefined;
  const type = typeof ds?.type === 'string' ? ds.type : undefined;
  if (type && type in KNOWN_DATASET_SIZES && ds?.test_mode !== true && (ds?.split === undefined || ds.split === 'train')) return KNOWN_DATASET_SIZES[type];
  return undefined;
}

/** Replays the schedule of `cfg` (a merged MMPretrain config as plain data). */
export function simulateSchedule(cfg: Dict, opts: SimulateScheduleOptions = {}): ScheduleSimulation {
  const ngpus = opts.ngpus ?? 1;
  assert(Number.isInteger(ngpus) && ngpus >= 1, () => `number of GPUs must be a positive integer, got ${ngpus}`);
  const loader = dict(cfg, 'train_dataloader');
  const perGpu = loader.batch_size as number;
  assert(Number.isInteger(perGpu) && perGpu > 0, () => `train_dataloader.batch_size must be a positive integer, got ${JSON.stringify(perGpu)}`);
  const batchSize = perGpu * ngpus;
  const trainCfg = dict(cfg, 'train_cfg');
  const byEpoch = trainLoopByEpoch(trainCfg);

  let datasetSize: number;
  if (byEpoch) {
    const size = resolveDatasetSize(cfg, opts.datasetSize);
    assert(size !== undefined, () => 'the dataset size is unknown: pass it (vis-scheduler -d DATASET_SIZE), as MMPretrain would count the built dataset');
    datasetSize = size;
  } else {
    datasetSize = opts.datasetSize || batchSize;
  }
  assert(Number.isInteger(datasetSize) && datasetSize > 0, () => `dataset size must be a positive integer, got ${datasetSize}`);
  const itersPerEpoch = Math.floor(datasetSize / batchSize);
  assert(itersPerEpoch > 0, () => `the dataset (${datasetSize} samples) is smaller than one batch (${perGpu} per GPU × ${ngpus} GPU(s) = ${batchSize}): no iteration would run`);

  const maxEpochs = byEpoch ? (trainCfg.max_epochs as number) : 1; // IterBasedTrainLoop reports 1 epoch
  const maxIters = byEpoch ? maxEpochs * itersPerEpoch : (trainCfg.max_iters as number);
  assert(Number.isInteger(byEpoch ? maxEpochs : maxIters) && (byEpoch ? maxEpochs : maxIters) > 0, () =>
    byEpoch ? `train_cfg.max_epochs must be a positive integer, got ${JSON.stringify(trainCfg.max_epochs)}` : `train_cfg.max_iters must be a positive integer, got ${JSON.stringify(trainCfg.max_iters)}`,
  );

  if (opts.maxTotalIters !== undefined && maxIters > opts.maxTotalIters) {
    throw new Error(`the run has ${maxIters} iterations, more than the ${opts.maxTotalIters} simulated here: use a smaller dataset size or more GPUs`);
  }

  const parts = splitOptimWrapperConfig(dict(cfg, 'optim_wrapper') as Dict);
  // vis_scheduler.py's SimpleModel has no get_layer_depth (MMPretrain would stop there): with layer-wise decay its
  // conv counts as the top layer, whose lr is the base lr.
  const { groups, defaults } = constructParamGroups(visSchedulerModel(), parts, { fallbackLayerDepth: () => [0, 1] });
  const lrScale = opts.autoScaleLr ? autoScaleLr(groups, cfg.auto_scale_lr as Dict, batchSize) : 1;
  const wrapper = new SimulatedOptimWrapper(groups, defaults);
  const schedulers = buildParamSchedulers(cfg.param_scheduler as ParamSchedulerConfig, wrapper, {
    epochLength: itersPerEpoch,
    maxEpochs,
    maxIters,
  });

  const lr = new Float64Array(maxIters);
  const momentum = new Float64Array(maxIters);
  const wd = new Float64Array(maxIters);
  const group0 = wrapper.optimizerGroups[0];
  const iterSchedulers = schedulers.filter((s) => !s.byEpoch);
  const epochSchedulers = schedulers.filter((s) => s.byEpoch);
  const record = (i: number): void => {
    lr[i] = group0.lr as number;
    momentum[i] = momentumOf(group0);
    wd[i] = group0.weight_decay as number;
  };
  if (byEpoch) {
    for (let e = 0, i = 0; e < maxEpochs; e++) {
      for (let k = 0; k < itersPerEpoch; k++, i++) {
        record(i);
        for (const s of iterSchedulers) s.step();
      }
      for (const s of epochSchedulers) s.step();
    }
  } else {
    for (let i = 0; i < maxIters; i++) {
      record(i);
      for (const s of iterSchedulers) s.step();
    }
  }

  return {
    by_epoch: byEpoch,
    iters_per_epoch: itersPerEpoch,
    total_iters: maxIters,
    batch_size: batchSize,
    batch_size_per_gpu: perGpu,
    ngpus,
    dataset_size: datasetSize,
    max_epochs: byEpoch ? maxEpochs : null,
    max_iters: byEpoch ? null : maxIters,
    optimizer_type: parts.optimizerCfg.type,
    lr_scale: lrScale,
    schedulers: schedulers.map((s, i) => describeScheduler(s, itersPerEpoch, maxIters, Boolean(schedulerConfigList(cfg.param_scheduler as ParamSchedulerConfig)[i]?.convert_to_iter_based))),
    lr,
    momentum,
    wd,
  };
}

/** mmengine `get_momentum()`: `momentum`, else Adam's `betas[0]`, else 0. */
export function momentumOf(group: ParamGroup): number {
  if (typeof group.momentum === 'number') return group.momentum;
  if (Array.isArray(group.betas)) return group.betas[0];
  return 0;
}

function describeScheduler(s: ParamScheduler, itersPerEpoch: number, totalIters: number, converted: boolean): ScheduledEntry {
  const unit = s.byEpoch ? itersPerEpoch : 1;
  const clip = (x: number) => Math.min(totalIters, x * unit);
  return { type: s.typeName, param: s.paramName, begin: s.begin, end: s.end, by_epoch: s.byEpoch, converted, beginIter: clip(s.begin), endIter: clip(s.end) };
}

/** One parameter's curve in the `--json` shape. */
export function scheduleCurve(sim: ScheduleSimulation, param: ScheduleParam): ScheduleCurve {
  return { param, iters_per_epoch: sim.iters_per_epoch, total_iters: sim.total_iters, by_epoch: sim.by_epoch, values: Array.from(sim[param]) };
}

/**
 * A config dict from a `shared/reference/schedules/*.json` file (which records the config's `param_scheduler`,
 * `optim_wrapper` and loop settings rather than the whole config); other dicts are returned unchanged.
 */
export function scheduleReferenceToConfig(ref: Dict): Dict {
  if (!('optim_wrapper_used' in ref)) return ref;
  return {
    train_dataloader: { batch_size: ref.batch_size_per_gpu },
    train_cfg: ref.by_epoch ? { by_epoch: true, max_epochs: ref.max_epochs } : { by_epoch: false, max_iters: ref.max_iters },
    optim_wrapper: ref.optim_wrapper_used,
    param_scheduler: ref.param_scheduler,
  };
}

/** The curves as CSV: `iter,epoch,lr,momentum,wd` (epoch = iter / iters_per_epoch, fractional). */
export function scheduleCsv(sim: ScheduleSimulation): string {
  const lines = ['iter,epoch,lr,momentum,wd'];
  for (let i = 0; i < sim.total_iters; i++) {
    lines.push(`${i},${+(i / sim.iters_per_epoch).toFixed(6)},${sim.lr[i]},${sim.momentum[i]},${sim.wd[i]}`);
  }
  return lines.join('\n') + '\n';
}

/** Human names of the parameters, as `vis_scheduler.py` labels its plot. */
export const SCHEDULE_PARAM_LABELS: Record<ScheduleParam, string> = { lr: 'Learning Rate', momentum: 'Momentum', wd: 'Weight Decay' };
