import { Hook, STAGES } from '../hooks/hook';
import type { RunnerDataLoader, RunnerEvaluator, RunnerModel, RunnerOptimWrapper, RunnerScheduler } from './interfaces';
import { RunLogger } from './logger';
import { LogProcessor, type Mode } from './log_processor';
import { EpochBasedTrainLoop, EvalLoop, IterBasedTrainLoop, type TrainCfg } from './loops';
import { MessageHub } from './message_hub';
import { ScalarsWriter } from './visualizer';
import type { WorkDirStore } from './work_dir';

/** Turns a checkpoint object (nested dicts, arrays, tensors as state-dict entries) into `.pth` bytes. */
export type CheckpointSerializer = (checkpoint: Record<string, unknown>) => Uint8Array | Promise<Uint8Array>;

export interface RunnerParts {
  /** The merged config (data) and its Python text (`pretty_text`), saved in the work dir and in checkpoints' meta. */
  cfg: Record<string, unknown>;
  cfgText: string;
  /** File name of the dumped config in the work dir (`resnet18_8xb16_cifar10.py`). */
  cfgFileName?: string;
  model: RunnerModel;
  workDir: WorkDirStore | null;
  trainDataloader?: RunnerDataLoader;
  trainCfg?: TrainCfg;
  valDataloader?: RunnerDataLoader;
  valEvaluator?: RunnerEvaluator;
  testDataloader?: RunnerDataLoader;
  testEvaluator?: RunnerEvaluator;
  optimWrapper?: RunnerOptimWrapper;
  paramSchedulers?: RunnerScheduler[];
  hooks?: Hook<Runner>[];
  logProcessor?: LogProcessor;
  seed?: number;
  /** `YYYYMMDD_HHMMSS`, the name of this run's log folder. */
  timestamp?: string;
  serializeCheckpoint?: CheckpointSerializer;
  now?: () => Date;
}

/** mmengine's timestamp format (`20261122_024215`). */
export function runTimestamp(d: Date): string {
  const p = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}${p(d.getMonth() + 1)}${p(d.getDate())}_${p(d.getHours())}${p(d.getMinutes())}${p(d.getSeconds())}`;
}

type HookMethod = (typeof STAGES)[number][1];

/**
 * mmengine's `Runner` for classification: owns the loops, hooks, message hub, logger and work dir, and calls
 * the hooks at every stage, so a run here writes the same logs, `scalars.json` and checkpoints as MMPretrain.
 */
export class Runner {
  readonly cfg: Record<string, unknown>;
  readonly cfgText: string;
  readonly model: RunnerModel;
  readonly workDir: WorkDirStore | null;
  readonly timestamp: string;
  readonly messageHub = new MessageHub();
  readonly logger: RunLogger;
  readonly visualizer: ScalarsWriter;
  readonly logProcessor: LogProcessor;
  readonly optimWrapper?: RunnerOptimWrapper;
  readonly paramSchedulers: RunnerScheduler[];
  readonly trainLoop?: EpochBasedTrainLoop | IterBasedTrainLoop;
  readonly valLoop?: EvalLoop;
  readonly testLoop?: EvalLoop;
  readonly seed: number;
  readonly hooks: Hook<Runner>[] = [];
  private readonly parts: RunnerParts;
  /** The last few checkpoints saved, by file name (for publishing without re-reading them). */
  private readonly lastSaved = new Map<string, Record<string, unknown>>();

  constructor(parts: RunnerParts) {
    this.parts = parts;
    this.cfg = parts.cfg;
    this.cfgText = parts.cfgText;
    this.model = parts.model;
    this.workDir = parts.workDir;
    const now = parts.now ?? (() => new Date());
    this.timestamp = parts.timestamp ?? runTimestamp(now());
    this.logger = new RunLogger(parts.workDir, `${this.timestamp}/${this.timestamp}.log`, now);
    this.visualizer = new ScalarsWriter(parts.workDir, `${this.timestamp}/vis_data`);
    this.logProcessor = parts.logProcessor ?? new LogProcessor();
    this.optimWrapper = parts.optimWrapper;
    this.paramSchedulers = parts.paramSchedulers ?? [];
    this.seed = parts.seed ?? 0;
    if (parts.trainDataloader) {
      const cfg = parts.trainCfg ?? {};
      const byEpoch = cfg.by_epoch ?? cfg.type !== 'IterBasedTrainLoop';
      if (!parts.optimWrapper) throw new Error('optim_wrapper is required for training (the config has train_dataloader and train_cfg but no optim_wrapper)');
      this.trainLoop = byEpoch ? new EpochBasedTrainLoop(this, parts.trainDataloader, cfg) : new IterBasedTrainLoop(this, parts.trainDataloader, cfg);
    }
    if (parts.valDataloader) {
      if (!parts.valEvaluator) throw new Error('val_evaluator is required when val_dataloader is set');
      this.valLoop = new EvalLoop(this, 'val', parts.valDataloader, parts.valEvaluator);
    }
    if (parts.testDataloader) {
      if (!parts.testEvaluator) throw new Error('test_evaluator is required when test_dataloader is set');
      this.testLoop = new EvalLoop(this, 'test', parts.testDataloader, parts.testEvaluator);
    }
    for (const h of parts.hooks ?? []) this.registerHook(h);
  }

  get epoch(): number {
    return this.trainLoop?.epoch ?? 0;
  }

  get iter(): number {
    return this.trainLoop?.iter ?? 0;
  }

  get maxEpochs(): number {
    return this.trainLoop?.maxEpochs ?? 0;
  }

  get maxIters(): number {
    return this.trainLoop?.maxIters ?? 0;
  }

  get experimentName(): string {
    return this.timestamp;
  }

  get logDir(): string {
    return this.timestamp;
  }

  /** What the log processor reads of the runner. */
  logView() {
    return {
      messageHub: this.messageHub,
      epoch: this.epoch,
      iter: this.iter,
      maxEpochs: this.maxEpochs,
      maxIters: this.maxIters,
      hasTrainLoop: this.trainLoop !== undefined,
      dataloaderLength: (mode: Mode) => this.loaderOf(mode).length,
    };
  }

  loaderOf(mode: Mode): RunnerDataLoader {
    const loop = mode === 'train' ? this.trainLoop : mode === 'val' ? this.valLoop : this.testLoop;
    if (!loop) throw new Error(`This run has no ${mode} data loader`);
    return loop.dataloader;
  }

  /** Adds a hook, keeping hooks sorted by priority (stable for equal priorities, as mmengine). */
  registerHook(hook: Hook<Runner>): void {
    let i = this.hooks.length;
    while (i > 0 && this.hooks[i - 1].priority > hook.priority) i--;
    this.hooks.splice(i, 0, hook);
  }

  async callHook(method: string, ...args: unknown[]): Promise<void> {
    for (const h of this.hooks) {
      const fn = (h as unknown as Record<string, unknown>)[method];
      if (typeof fn === 'function') await (fn as (...a: unknown[]) => unknown).call(h, this, ...args);
    }
  }

  /** The hook table mmengine prints at the start of a run. */
  hooksInfo(): string {
    const lines: string[] = [];
    for (const [stage, method] of STAGES) {
      const names = this.hooks.filter((h) => typeof (h as unknown as Record<HookMethod, unknown>)[method] === 'function');
      if (!names.length) continue;
      lines.push(`${stage}:`);
      for (const h of names) lines.push(`(${priorityName(h.priority).padEnd(12)}) ${h.constructor.name.padEnd(35)}`);
      lines.push(' -------------------- ');
    }
    return lines.join('\n');
  }

  /** Trains (with validation as `train_cfg` says) and returns the model. */
  async train(): Promise<RunnerModel> {
    if (!this.trainLoop) throw new Error('`train_dataloader`, `train_cfg` and `optim_wrapper` must be set to start training');
    await this.beforeRun();
    try {
      await this.trainLoop.run();
    } finally {
      await this.callHook('afterRun');
      await this.flush();
    }
    return this.model;
  }

  async val(): Promise<Record<string, unknown>> {
    if (!this.valLoop) throw new Error('`val_dataloader`, `val_cfg` and `val_evaluator` must be set to run validation');
    await this.beforeRun();
    try {
      return await this.valLoop.run();
    } finally {
      await this.callHook('afterRun');
      await this.flush();
    }
  }

  async test(): Promise<Record<string, unknown>> {
    if (!this.testLoop) throw new Error('`test_dataloader`, `test_cfg` and `test_evaluator` must be set to run testing');
    await this.beforeRun();
    try {
      return await this.testLoop.run();
    } finally {
      await this.callHook('afterRun');
      await this.flush();
    }
  }

  private started = false;

  private async beforeRun(): Promise<void> {
    if (this.started) return;
    this.started = true;
    if (this.workDir) {
      await this.workDir.write(this.parts.cfgFileName ?? 'config.py', this.cfgText);
      await this.workDir.write(`${this.timestamp}/vis_data/config.py`, this.cfgText);
    }
    this.logger.info(`Config:\n${this.cfgText}`);
    this.logger.info(`Hooks will be executed in the following order:\n${this.hooksInfo()}`);
    await this.callHook('beforeRun');
  }

  /**
   * The checkpoint object of mmengine's `Runner.save_checkpoint` (`meta`, `state_dict`, `message_hub`, `optimizer`,
   * `param_schedulers`, after the hooks' `before_save_checkpoint`). `meta` gives `epoch` / `iter` and extra keys.
   */
  async checkpointObject(meta: Record<string, unknown>, { saveOptimizer = true, saveParamScheduler = true } = {}): Promise<Record<string, unknown>> {
    const fullMeta: Record<string, unknown> = { epoch: meta.epoch, iter: meta.iter };
    Object.assign(fullMeta, {
      cfg: this.cfgText,
      seed: this.seed,
      experiment_name: this.experimentName,
      time: runTimestamp(new Date()),
      mmengine_version: '0.11.0 (mmpretrain-web)',
    });
    const datasetMeta = this.trainLoop?.dataloader.datasetMeta;
    if (datasetMeta) fullMeta.dataset_meta = datasetMeta;
    Object.assign(fullMeta, meta);
    const checkpoint: Record<string, unknown> = { meta: fullMeta, state_dict: await this.model.stateDict(), message_hub: this.messageHub.stateDict() };
    if (saveOptimizer && this.optimWrapper) checkpoint.optimizer = this.optimWrapper.stateDictAsync ? await this.optimWrapper.stateDictAsync() : this.optimWrapper.stateDict();
    if (saveParamScheduler && this.paramSchedulers.length) checkpoint.param_schedulers = this.paramSchedulers.map((s) => s.stateDict());
    await this.callHook('beforeSaveCheckpoint', checkpoint);
    return checkpoint;
  }

  /** A checkpoint object as `.pth` bytes (the serializer given to the runner). */
  async serializeCheckpoint(checkpoint: Record<string, unknown>): Promise<Uint8Array> {
    if (!this.parts.serializeCheckpoint) throw new Error('No checkpoint serializer was given to the runner');
    return this.parts.serializeCheckpoint(checkpoint);
  }

  /** Writes a checkpoint like mmengine's `Runner.save_checkpoint` to `filename` in the work dir. */
  async saveCheckpoint(filename: string, { byEpoch = true, saveOptimizer = true, saveParamScheduler = true } = {}): Promise<string> {
    const meta: Record<string, unknown> = byEpoch ? { epoch: this.epoch + 1, iter: this.iter } : { epoch: this.epoch, iter: this.iter + 1 };
    const checkpoint = await this.checkpointObject(meta, { saveOptimizer, saveParamScheduler });
    if (!this.workDir) return filename;
    await this.workDir.write(filename, await this.serializeCheckpoint(checkpoint));
    this.lastSaved.set(filename, checkpoint);
    for (const old of [...this.lastSaved.keys()].slice(0, -4)) this.lastSaved.delete(old);
    return filename;
  }

  /**
   * Re-saves checkpoint `filename` keeping only `keys` (`meta`, `state_dict`…), as `<stem>-<sha256 first 8>.pth`
   * (mmengine's `_publish_model`); returns the new file name.
   */
  async publishCheckpoint(filename: string, keys: string[]): Promise<string> {
    const checkpoint = this.lastSaved.get(filename);
    if (!checkpoint || !this.workDir || !this.parts.serializeCheckpoint) throw new Error(`Cannot publish ${filename}: it was not saved by this run`);
    const kept = Object.fromEntries(Object.entries(checkpoint).filter(([k]) => keys.includes(k)));
    const bytes = await this.parts.serializeCheckpoint(kept);
    const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', new Uint8Array(bytes)));
    const hash = [...digest.slice(0, 4)].map((b) => b.toString(16).padStart(2, '0')).join('');
    const out = `${filename.replace(/\.pth$/, '')}-${hash}.pth`;
    await this.workDir.write(out, bytes);
    return out;
  }

  async flush(): Promise<void> {
    await Promise.all([this.logger.flush(), this.visualizer.flush()]);
  }
}

const PRIORITY_NAMES: [number, string][] = [
  [0, 'HIGHEST'],
  [10, 'VERY_HIGH'],
  [30, 'HIGH'],
  [40, 'ABOVE_NORMAL'],
  [50, 'NORMAL'],
  [60, 'BELOW_NORMAL'],
  [70, 'LOW'],
  [90, 'VERY_LOW'],
  [100, 'LOWEST'],
];

function priorityName(p: number): string {
  return PRIORITY_NAMES.find(([v]) => v === p)?.[1] ?? String(p);
}
