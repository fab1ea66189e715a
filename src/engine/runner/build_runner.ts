import { tf } from '../../backends/tf';
import { buildClassifier } from '../../models/builder';
import { registerTrainingKernels } from '../kernels/register_training_kernels';
import type { ImageClassifier } from '../../models/classifiers/image';
import { buildDataLoader, type DataLoaderConfig } from '../../datasets/data_loader';
import type { DatasetContext } from '../../datasets/base_dataset';
import { Evaluator, type MetricConfig } from '../../evaluation/evaluator';
import { registerAll } from '../setup_env';
import { buildHooks } from '../hooks/build_hooks';
import { buildOptimWrapper } from '../optimizers/default_constructor';
import type { OptimWrapper } from '../optimizers/optim_wrapper';
import { autoScaleLr } from '../schedulers/auto_scale_lr';
import { buildParamSchedulers } from '../schedulers/build';
import { ClassifierRunnerModel } from './classifier_model';
import type { RunnerDataLoader, RunnerScheduler } from './interfaces';
import { LogProcessor, type LogProcessorOptions } from './log_processor';
import type { TrainCfg } from './loops';
import { Runner, type CheckpointSerializer } from './runner';
import { entropySeed } from '../../utils/random';
import type { WorkDirStore } from './work_dir';

type Cfg = Record<string, unknown>;

export interface BuildRunnerOptions {
  /** The merged config's Python text (`dumpConfig(cfg)`), saved in the work dir and in checkpoints. */
  cfgText: string;
  /** Name of the dumped config in the work dir (the config file's base name). */
  cfgFileName?: string;
  workDir: WorkDirStore | null;
  /** What to build: 'train' builds train (and val) loops, 'test' the test loop. */
  phase: 'train' | 'val' | 'test';
  /** Where datasets read files from (dropped files in the tab, the file system in Node). */
  datasetContext?: DatasetContext;
  serializeCheckpoint?: CheckpointSerializer;
  /** `--auto-scale-lr`: enable `auto_scale_lr` whatever the config says. */
  autoScaleLr?: boolean;
  /** A seed when `randomness.seed` is None (mmengine draws one at random). */
  fallbackSeed?: () => number;
  now?: () => Date;
}

function section(cfg: Cfg, key: string): Cfg | null {
  const v = cfg[key];
  if (v === undefined || v === null) return null;
  if (typeof v !== 'object' || Array.isArray(v)) throw new Error(`config: '${key}' must be a dict, got ${JSON.stringify(v)}`);
  return v as Cfg;
}

function randomSeed(): number {
  return entropySeed() >>> 1;
}

/** A data loader as the runner sees it (its dataset's `metainfo` exposed as `datasetMeta`). */
async function loader(cfg: Cfg, seed: number, ctx: DatasetContext, key: string): Promise<RunnerDataLoader> {
  try {
    const dl = await buildDataLoader(cfg as unknown as DataLoaderConfig, { seed, ctx: { ...ctx, seed } });
    const meta = (dl.dataset as { metainfo?: Record<string, unknown> }).metainfo;
    return Object.assign(dl, { datasetMeta: meta }) as unknown as RunnerDataLoader;
  } catch (e) {
    throw new Error(`${key}: ${(e as Error).message}`);
  }
}

/**
 * mmengine's `Runner.from_cfg` for classification configs: builds the model, loaders, optimizer wrapper,
 * schedulers, evaluators and hooks from an MMPretrain config, ready to `train()`, `val()` or `test()`.
 */
export async function buildRunner(cfg: Cfg, opts: BuildRunnerOptions): Promise<{ runner: Runner; model: ImageClassifier; optimWrapper?: OptimWrapper }> {
  registerAll();
  if (tf.getBackend() === 'wasm') registerTrainingKernels('wasm');
  const randomness = section(cfg, 'randomness') ?? {};
  const seed = typeof randomness.seed === 'number' ? randomness.seed : (opts.fallbackSeed ?? randomSeed)();
  const ctx = opts.datasetContext ?? {};
  const model = buildClassifier(cfg, { seed });
  let optimWrapper: OptimWrapper | undefined;
  try {
    const parts: ConstructorParameters<typeof Runner>[0] = {
      cfg,
      cfgText: opts.cfgText,
      cfgFileName: opts.cfgFileName,
      model: new ClassifierRunnerModel(model),
      workDir: opts.workDir,
      seed,
      serializeCheckpoint: opts.serializeCheckpoint,
      logProcessor: new LogProcessor((section(cfg, 'log_processor') ?? {}) as LogProcessorOptions),
      hooks: buildHooks(section(cfg, 'default_hooks') as never, (cfg.custom_hooks ?? null) as never),
      now: opts.now,
    };
    if (opts.phase === 'train') {
      const trainLoaderCfg = section(cfg, 'train_dataloader');
      const trainCfg = section(cfg, 'train_cfg');
      const optimCfg = section(cfg, 'optim_wrapper');
      if (!trainLoaderCfg || !trainCfg || !optimCfg) {
        const missing = [!trainLoaderCfg && 'train_dataloader', !trainCfg && 'train_cfg', !optimCfg && 'optim_wrapper'].filter(Boolean);
        throw new Error(`config: training needs ${missing.join(', ')} (missing)`);
      }
      const trainLoader = await loader(trainLoaderCfg, seed, ctx, 'train_dataloader');
      if (trainLoader.length === 0) throw new Error(`train_dataloader: the dataset is smaller than one batch (batch_size=${trainLoaderCfg.batch_size}, drop_last=${trainLoaderCfg.drop_last ?? false})`);
      optimWrapper = buildOptimWrapper(model as never, optimCfg);
      const scale = section(cfg, 'auto_scale_lr');
      if (scale || opts.autoScaleLr) {
        const batch = Number(trainLoaderCfg.batch_size ?? 1);
        autoScaleLr(optimWrapper.optimizer.paramGroups, { ...(scale ?? {}), enable: opts.autoScaleLr || Boolean(scale?.enable) } as never, batch);
      }
      const tc = trainCfg as TrainCfg;
      const byEpoch = tc.by_epoch ?? tc.type !== 'IterBasedTrainLoop';
      const schedulers = buildParamSchedulers(cfg.param_scheduler as never, optimWrapper, {
        epochLength: trainLoader.length,
        maxEpochs: byEpoch ? tc.max_epochs : undefined,
        maxIters: byEpoch ? (tc.max_epochs ?? 0) * trainLoader.length : tc.max_iters,
      });
      Object.assign(parts, { trainDataloader: trainLoader, trainCfg: tc, optimWrapper, paramSchedulers: schedulers as unknown as RunnerScheduler[] });
    }
    const evalPhase = opts.phase === 'test' ? 'test' : 'val';
    const evalLoaderCfg = section(cfg, `${evalPhase}_dataloader`);
    const evalCfg = cfg[`${evalPhase}_cfg`];
    if (evalLoaderCfg && evalCfg !== null && evalCfg !== undefined) {
      const evaluatorCfg = cfg[`${evalPhase}_evaluator`] as MetricConfig | MetricConfig[] | undefined;
      if (!evaluatorCfg) throw new Error(`config: '${evalPhase}_dataloader' is set but '${evalPhase}_evaluator' is missing`);
      const evalLoader = await loader(evalLoaderCfg, seed, ctx, `${evalPhase}_dataloader`);
      if (evalPhase === 'test') Object.assign(parts, { testDataloader: evalLoader, testEvaluator: new Evaluator(evaluatorCfg) });
      else Object.assign(parts, { valDataloader: evalLoader, valEvaluator: new Evaluator(evaluatorCfg) });
    } else if (opts.phase !== 'train') {
      throw new Error(`config: ${evalPhase} needs '${evalPhase}_dataloader', '${evalPhase}_cfg' and '${evalPhase}_evaluator'`);
    }
    return { runner: new Runner(parts), model, optimWrapper };
  } catch (e) {
    // Nothing half-built outlives a failed start: the model's and the optimizer's variables are freed.
    optimWrapper?.dispose();
    model.dispose();
    throw e;
  }
}
