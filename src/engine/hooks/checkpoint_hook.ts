import type { Runner } from '../runner/runner';
import { every, Hook, type PriorityName } from './hook';

export interface CheckpointHookOptions {
  interval?: number;
  by_epoch?: boolean;
  save_optimizer?: boolean;
  save_param_scheduler?: boolean;
  out_dir?: string | null;
  max_keep_ckpts?: number;
  save_last?: boolean;
  save_best?: string | string[] | null;
  rule?: 'greater' | 'less' | ('greater' | 'less')[] | null;
  greater_keys?: string[] | null;
  less_keys?: string[] | null;
  filename_tmpl?: string | null;
  save_begin?: number;
  /** Keys kept in the published copies of the last and best checkpoints (e.g. `['meta', 'state_dict']`). */
  published_keys?: string[] | null;
  priority?: PriorityName | number;
}

const DEFAULT_GREATER_KEYS = ['acc', 'top', 'AR@', 'auc', 'precision', 'mAP', 'mDice', 'mIoU', 'mAcc', 'aAcc'];
const DEFAULT_LESS_KEYS = ['loss'];

/**
 * mmengine's `CheckpointHook`: saves `epoch_N.pth` / `iter_N.pth` every `interval`, keeps at most
 * `max_keep_ckpts`, writes `last_checkpoint`, and keeps the best checkpoint by a metric (`save_best='auto'`
 * takes the first metric, with the rule inferred from its name).
 */
export class CheckpointHook extends Hook<Runner> {
  static override readonly defaultPriority: PriorityName = 'VERY_LOW';
  readonly interval: number;
  readonly byEpoch: boolean;
  readonly saveOptimizer: boolean;
  readonly saveParamScheduler: boolean;
  readonly maxKeepCkpts: number;
  readonly saveLast: boolean;
  readonly saveBegin: number;
  readonly filenameTmpl: string;
  private keyIndicators: string[];
  private rules: ('greater' | 'less' | null)[];
  private readonly greaterKeys: string[];
  private readonly lessKeys: string[];
  private readonly kept: string[] = [];
  readonly publishedKeys: string[] | null;

  constructor(opts: CheckpointHookOptions = {}) {
    super(opts.priority);
    this.interval = opts.interval ?? -1;
    this.byEpoch = opts.by_epoch ?? true;
    this.saveOptimizer = opts.save_optimizer ?? true;
    this.saveParamScheduler = opts.save_param_scheduler ?? true;
    this.maxKeepCkpts = opts.max_keep_ckpts ?? -1;
    this.saveLast = opts.save_last ?? true;
    this.saveBegin = opts.save_begin ?? 0;
    this.publishedKeys = opts.published_keys ?? null;
    this.filenameTmpl = opts.filename_tmpl ?? (this.byEpoch ? 'epoch_{}.pth' : 'iter_{}.pth');
    const best = opts.save_best ?? null;
    this.keyIndicators = best === null ? [] : Array.isArray(best) ? best : [best];
    if (this.keyIndicators.includes('auto') && this.keyIndicators.length > 1) throw new Error('Only one key_indicator is supported when using "auto" in save_best.');
    const rule = opts.rule ?? null;
    const rules = Array.isArray(rule) ? rule : this.keyIndicators.map(() => rule);
    if (rules.length !== this.keyIndicators.length) throw new Error(`CheckpointHook: the number of rules (${rules.length}) must match save_best (${this.keyIndicators.length})`);
    this.rules = rules;
    this.greaterKeys = opts.greater_keys ?? DEFAULT_GREATER_KEYS;
    this.lessKeys = opts.less_keys ?? DEFAULT_LESS_KEYS;
    if (!this.keyIndicators.includes('auto')) this.rules = this.keyIndicators.map((k, i) => this.inferRule(k, this.rules[i]));
  }

  override beforeTrain(runner: Runner): void {
    runner.logger.info(`Checkpoints will be saved to ${runner.workDir?.root ?? '(nowhere: no work dir)'}.`);
  }

  override async afterTrainEpoch(runner: Runner): Promise<void> {
    if (!this.byEpoch) return;
    const last = runner.epoch + 1 === runner.maxEpochs;
    if (every.nEpochs(runner.epoch, this.interval, this.saveBegin) || (this.saveLast && last)) {
      runner.logger.info(`Saving checkpoint at ${runner.epoch + 1} epochs`);
      await this.save(runner, this.filenameTmpl.replace('{}', String(runner.epoch + 1)));
    }
  }

  override async afterTrainIter(runner: Runner): Promise<void> {
    if (this.byEpoch) return;
    const last = runner.iter + 1 === runner.maxIters;
    if (every.nTrainIters(runner.iter, this.interval, this.saveBegin) || (this.saveLast && last)) {
      runner.logger.info(`Saving checkpoint at ${runner.iter + 1} iterations`);
      await this.save(runner, this.filenameTmpl.replace('{}', String(runner.iter + 1)));
    }
  }

  override async afterValEpoch(runner: Runner, metrics: Record<string, unknown> | null): Promise<void> {
    if (!metrics || Object.keys(metrics).length === 0) {
      runner.logger.warning('Since `metrics` is an empty dict, the behavior to save the best checkpoint will be skipped in this evaluation.');
      return;
    }
    if (!this.keyIndicators.length) return;
    if (this.keyIndicators[0] === 'auto') {
      this.keyIndicators = [Object.keys(metrics)[0]];
      this.rules = [this.inferRule(this.keyIndicators[0], this.rules[0])];
    }
    const [curType, curTime] = this.byEpoch ? ['epoch', runner.epoch] : ['iter', runner.iter];
    const ckptFilename = this.filenameTmpl.replace('{}', String(curTime));
    const single = this.keyIndicators.length === 1;
    for (let i = 0; i < this.keyIndicators.length; i++) {
      const key = this.keyIndicators[i];
      const rule = this.rules[i]!;
      const score = metrics[key];
      if (typeof score !== 'number') {
        throw new Error(`CheckpointHook: save_best '${key}' is not among the evaluation results (${Object.keys(metrics).join(', ')})`);
      }
      const scoreKey = single ? 'best_score' : `best_score_${key}`;
      const pathKey = single ? 'best_ckpt' : `best_ckpt_${key}`;
      const best = runner.messageHub.getInfo<number>(scoreKey) ?? (rule === 'greater' ? -Infinity : Infinity);
      if (!(rule === 'greater' ? score > best : score < best)) continue;
      runner.messageHub.updateInfo(scoreKey, score);
      const previous = runner.messageHub.getInfo<string>(pathKey);
      if (previous && runner.workDir) {
        await runner.workDir.remove(previous);
        runner.logger.info(`The previous best checkpoint ${runner.workDir.root}/${previous} is removed`);
      }
      const name = `best_${key.replaceAll('/', '_')}_${ckptFilename}`;
      runner.messageHub.updateInfo(pathKey, name);
      await runner.saveCheckpoint(name, { byEpoch: false, saveOptimizer: false, saveParamScheduler: false });
      runner.logger.info(`The best checkpoint with ${score.toFixed(4)} ${key} at ${curTime} ${curType} is saved to ${name}.`);
    }
  }

  /** Publishes the last and best checkpoints with only `published_keys`, named `<name>-<sha256[:8]>.pth` as mmengine does. */
  override async afterTrain(runner: Runner): Promise<void> {
    if (!this.publishedKeys || !runner.workDir) return;
    const names = [this.saveLast ? runner.messageHub.getInfo<string>('last_ckpt') : undefined, runner.messageHub.getInfo<string>('best_ckpt')];
    for (const name of names) {
      if (!name) continue;
      const out = await runner.publishCheckpoint(name, this.publishedKeys);
      runner.logger.info(`The checkpoint ${name} is published to ${out}.`);
    }
  }

  private async save(runner: Runner, filename: string): Promise<void> {
    await runner.saveCheckpoint(filename, { byEpoch: this.byEpoch, saveOptimizer: this.saveOptimizer, saveParamScheduler: this.saveParamScheduler });
    runner.messageHub.updateInfo('last_ckpt', filename);
    if (runner.workDir) {
      this.kept.push(filename);
      if (this.maxKeepCkpts > 0) {
        while (this.kept.length > this.maxKeepCkpts) await runner.workDir.remove(this.kept.shift()!);
      }
      await runner.workDir.write('last_checkpoint', `${runner.workDir.root}/${filename}`);
    }
  }

  private inferRule(key: string, rule: 'greater' | 'less' | null): 'greater' | 'less' {
    if (rule === 'greater' || rule === 'less') return rule;
    if (rule !== null) throw new Error(`rule must be greater, less or None, but got ${String(rule)}.`);
    const k = key.toLowerCase();
    if (this.greaterKeys.some((g) => k.includes(g.toLowerCase()))) return 'greater';
    if (this.lessKeys.some((l) => k.includes(l.toLowerCase()))) return 'less';
    throw new Error(`Cannot infer the rule for key ${key}, thus a specific rule must be specified.`);
  }
}
