import { tf } from '../../backends/tf';
import type { Runner } from '../runner/runner';
import { Hook } from './hook';

type Entry = { dtype: string; shape: number[]; data: ArrayLike<number> | BigInt64Array };

export interface EMAHookOptions {
  /** Only `'ExponentialMovingAverage'` (mmengine's default) is supported. */
  ema_type?: string;
  /** Weight of the new value: avg ← avg + momentum · (param − avg). Default 0.0002. */
  momentum?: number;
  /** Update every `interval` iterations. Default 1. */
  interval?: number;
  /** Average the buffers too (BatchNorm statistics). Default false: buffers follow the model. */
  update_buffers?: boolean;
  strict_load?: boolean;
  begin_iter?: number;
  begin_epoch?: number;
  priority?: number | string;
}

/**
 * mmengine's `EMAHook` with `ExponentialMovingAverage`: keeps an exponential moving average of the
 * parameters, evaluates and saves with the averaged weights (`state_dict`) and keeps the raw ones in
 * `ema_state_dict` (`module.`-prefixed, with `steps`), so MMPretrain loads either.
 */
export class EMAHook extends Hook<Runner> {
  readonly momentum: number;
  readonly interval: number;
  readonly beginIter: number;
  readonly beginEpoch: number;
  private avg = new Map<string, tf.Variable>();
  private src: [string, tf.Variable][] = [];
  private steps = 0;

  constructor({ ema_type = 'ExponentialMovingAverage', momentum = 0.0002, interval = 1, update_buffers = false, begin_iter = 0, begin_epoch = 0, priority }: EMAHookOptions = {}) {
    super({ priority: priority as never });
    if (ema_type !== 'ExponentialMovingAverage') throw new Error(`EMAHook: ema_type '${ema_type}' is not supported (only 'ExponentialMovingAverage')`);
    if (update_buffers) throw new Error('EMAHook: update_buffers=True is not supported yet; BatchNorm statistics follow the model');
    if (!(momentum > 0 && momentum < 1)) throw new Error(`EMAHook: momentum must be in (0, 1), got ${momentum}`);
    if (begin_iter !== 0 && begin_epoch !== 0) throw new Error('`begin_iter` and `begin_epoch` should not be both set.');
    this.momentum = momentum;
    this.interval = interval;
    this.beginIter = begin_iter;
    this.beginEpoch = begin_epoch;
  }

  override beforeRun(runner: Runner): void {
    if (!runner.model.namedParameters) throw new Error('EMAHook: the model does not expose its parameters');
    this.src = runner.model.namedParameters();
    for (const [name, p] of this.src) this.avg.set(name, tf.tidy(() => tf.variable(p.clone(), false)));
  }

  override beforeTrain(runner: Runner): void {
    if (this.beginEpoch > runner.maxEpochs && runner.maxEpochs > 0) throw new Error(`begin_epoch (${this.beginEpoch}) should be smaller than or equal to max_epochs (${runner.maxEpochs})`);
    if (this.beginIter > runner.maxIters) throw new Error(`begin_iter (${this.beginIter}) should be smaller than or equal to max_iters (${runner.maxIters})`);
  }

  override afterTrainIter(runner: Runner): void {
    const started = this.beginEpoch > 0 ? runner.epoch + 1 >= this.beginEpoch : runner.iter + 1 >= this.beginIter;
    tf.tidy(() => {
      for (const [name, p] of this.src) {
        const a = this.avg.get(name)!;
        if (!started || this.steps === 0) a.assign(p);
        else if (this.steps % this.interval === 0) a.assign(tf.add(a, tf.mul(tf.sub(p, a), this.momentum)));
      }
    });
    if (started) this.steps += 1;
  }

  override beforeValEpoch(): void {
    this.swapParameters();
  }
  override afterValEpoch(): void {
    this.swapParameters();
  }
  override beforeTestEpoch(): void {
    this.swapParameters();
  }
  override afterTestEpoch(): void {
    this.swapParameters();
  }

  /** `state_dict` gets the averaged weights, `ema_state_dict` the raw ones under `module.` (mmengine's swap). */
  override async beforeSaveCheckpoint(_runner: Runner, checkpoint: Record<string, unknown>): Promise<void> {
    const model = checkpoint.state_dict as Map<string, Entry>;
    const ema = new Map<string, Entry | number>([['steps', this.steps]]);
    for (const [k, v] of model) {
      const a = this.avg.get(k);
      ema.set(`module.${k}`, v);
      if (a) model.set(k, { dtype: 'float32', shape: [...a.shape], data: (await a.data()) as Float32Array });
    }
    checkpoint.ema_state_dict = ema;
  }

  /** Resuming: the model gets the raw weights back from `ema_state_dict`, the average from `state_dict`. */
  override afterLoadCheckpoint(runner: Runner, checkpoint: Record<string, unknown>): void {
    const ema = checkpoint.ema_state_dict as Map<string, Entry | number> | undefined;
    if (!ema) {
      for (const [name, p] of this.src) this.avg.get(name)?.assign(p);
      return;
    }
    const model = checkpoint.state_dict as Map<string, Entry>;
    for (const [name] of this.src) {
      const avgEntry = model.get(name);
      if (avgEntry) this.avg.get(name)?.assign(tf.tensor(Float32Array.from(avgEntry.data as ArrayLike<number>), avgEntry.shape));
    }
    const raw = new Map<string, Entry>();
    for (const [k, v] of ema) if (k.startsWith('module.') && typeof v !== 'number') raw.set(k.slice(7), v);
    runner.model.loadStateDict(raw, { strict: false });
    this.steps = Number(ema.get('steps') ?? 0);
  }

  private swapParameters(): void {
    tf.tidy(() => {
      for (const [name, p] of this.src) {
        const a = this.avg.get(name)!;
        const tmp = tf.clone(a);
        a.assign(p);
        p.assign(tmp);
      }
    });
  }
}
