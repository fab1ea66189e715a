import type { MessageHub } from './message_hub';
import { formatExp, formatFixed, formatTimedelta } from './py_format';

export type Mode = 'train' | 'val' | 'test';

/** One entry of `log_processor.custom_cfg`. */
export interface CustomLogCfg {
  data_src: string;
  log_name?: string;
  method_name: 'mean' | 'max' | 'min' | 'current';
  window_size?: number | 'epoch' | 'global';
}

export interface LogProcessorOptions {
  window_size?: number;
  by_epoch?: boolean;
  custom_cfg?: CustomLogCfg[] | null;
  num_digits?: number;
  log_with_hierarchy?: boolean;
  mean_pattern?: string;
}

/** What the log processor reads of the runner. */
export interface LogRunnerView {
  messageHub: MessageHub;
  epoch: number;
  iter: number;
  maxEpochs: number;
  maxIters: number;
  /** False when only val/test runs (mmengine: `_train_loop` is None or a dict). */
  hasTrainLoop: boolean;
  dataloaderLength(mode: Mode): number;
}

type Tag = Record<string, number>;

/**
 * mmengine's `LogProcessor`: turns the message hub's scalars into the log line and the `scalars.json`
 * record after each iteration and each validation / test epoch.
 */
export class LogProcessor {
  readonly windowSize: number;
  readonly byEpoch: boolean;
  readonly customCfg: CustomLogCfg[];
  readonly numDigits: number;
  readonly logWithHierarchy: boolean;
  private readonly meanPattern: RegExp;

  constructor({ window_size = 10, by_epoch = true, custom_cfg = null, num_digits = 4, log_with_hierarchy = false, mean_pattern = '.*(loss|time|data_time|grad_norm).*' }: LogProcessorOptions = {}) {
    this.windowSize = window_size;
    this.byEpoch = by_epoch;
    this.customCfg = custom_cfg ?? [];
    this.numDigits = num_digits;
    this.logWithHierarchy = log_with_hierarchy;
    this.meanPattern = new RegExp(mean_pattern);
    this.checkCustomCfg();
  }

  /** The record and log text after iteration `batchIdx` of `mode`. */
  getLogAfterIter(runner: LogRunnerView, batchIdx: number, mode: Mode): { tag: Tag; logStr: string } {
    const parsed = this.parseWindowSize(runner, batchIdx, this.customCfg);
    const logTag = this.collectScalars(parsed, runner, mode, false);
    const tag: Tag = this.logWithHierarchy ? this.collectScalars(parsed, runner, mode, true) : { ...logTag };
    const lrParts: string[] = [];
    for (const [key, value] of Object.entries(tag)) {
      if (key.endsWith('lr')) {
        const k = removePrefix(key, `${mode}/`);
        delete logTag[k];
        lrParts.push(`${k}: ${formatExp(value, this.numDigits)}`);
      }
    }
    let logStr: string;
    if (this.byEpoch) {
      const len = runner.dataloaderLength(mode);
      const curIter = String(batchIdx + 1).padStart(String(len).length);
      if (mode === 'train' || mode === 'val') {
        const curEpoch = this.epochOf(runner, mode);
        const epochStr = runner.hasTrainLoop ? `[${curEpoch}]`.padStart(String(runner.maxEpochs).length + 3) : `[${curEpoch}]`;
        tag.epoch = curEpoch;
        logStr = `Epoch(${mode})${epochStr}[${curIter}/${len}]  `;
      } else {
        logStr = `Epoch(${mode}) [${curIter}/${len}]  `;
      }
    } else if (mode === 'train') {
      logStr = `Iter(${mode}) [${String(runner.iter + 1).padStart(String(runner.maxIters).length)}/${runner.maxIters}]  `;
    } else {
      const len = runner.dataloaderLength(mode);
      logStr = `Iter(${mode}) [${String(batchIdx + 1).padStart(String(len).length)}/${len}]  `;
    }
    tag.iter = runner.hasTrainLoop ? runner.iter + 1 : 0;
    logStr += `${lrParts.join(' ')}  `;
    const eta = runner.messageHub.getInfo<number>('eta');
    if ('time' in logTag && 'data_time' in logTag && eta !== undefined) {
      logStr += `eta: ${formatTimedelta(eta)}  `;
      logStr += `time: ${formatFixed(logTag.time, this.numDigits)}  data_time: ${formatFixed(logTag.data_time, this.numDigits)}  `;
      delete logTag.time;
      delete logTag.data_time;
    }
    if (mode === 'train' || mode === 'val') {
      const items: string[] = [];
      for (const [name, val] of Object.entries(logTag)) {
        if (mode === 'val' && !name.startsWith('val/loss')) continue;
        items.push(`${name}: ${formatFixed(val, this.numDigits)}`);
      }
      logStr += items.join('  ');
    }
    return { tag, logStr };
  }

  /** The record and log text after a validation or test epoch (metrics, then mean times over the epoch). */
  getLogAfterEpoch(runner: LogRunnerView, batchIdx: number, mode: 'val' | 'test', withNonScalar = false): { tag: Record<string, unknown>; logStr: string } {
    const len = runner.dataloaderLength(mode);
    let logStr: string;
    if (this.byEpoch) {
      logStr = mode === 'val' ? `Epoch(${mode}) [${this.epochOf(runner, mode)}][${len}/${len}]  ` : `Epoch(${mode}) [${len}/${len}]  `;
    } else {
      logStr = `Iter(${mode}) [${len}/${len}]  `;
    }
    const custom = this.customCfg.map((c) => ({ ...c }));
    const customKeys = custom.map((c) => removePrefix(c.data_src, `${mode}/`));
    if (!customKeys.includes('time')) custom.push({ data_src: 'time', window_size: 'epoch', method_name: 'mean' });
    if (!customKeys.includes('data_time')) custom.push({ data_src: 'data_time', window_size: 'epoch', method_name: 'mean' });
    const oriTag = this.collectScalars(this.parseWindowSize(runner, batchIdx, custom), runner, mode, this.logWithHierarchy);
    const nonScalar = this.collectNonScalars(runner, mode);
    const tag: Record<string, unknown> = {};
    const timeTag: Record<string, number> = {};
    for (const [k, v] of Object.entries(oriTag)) {
      if ([`${mode}/time`, `${mode}/data_time`, 'time', 'data_time'].includes(k)) timeTag[k] = v;
      else tag[k] = v;
    }
    const items = [...Object.entries(tag), ...Object.entries(nonScalar), ...Object.entries(timeTag)].map(([name, val]) => `${name}: ${typeof val === 'number' ? formatFixed(val, this.numDigits) : `\n${formatMatrix(val)}\n`}`);
    logStr += '  ' + items.join('  ');
    if (withNonScalar) Object.assign(tag, nonScalar);
    Object.assign(tag, timeTag);
    return { tag, logStr };
  }

  private collectScalars(customCfg: CustomLogCfg[], runner: LogRunnerView, mode: Mode, reservePrefix: boolean): Tag {
    const tag: Tag = {};
    const modeScalars = new Map<string, ReturnType<MessageHub['getScalar']>>();
    for (const [prefixKey, buf] of runner.messageHub.logScalars) {
      if (prefixKey.startsWith(mode)) modeScalars.set(reservePrefix ? prefixKey : removePrefix(prefixKey, `${mode}/`), buf);
    }
    for (const [key, buf] of modeScalars) tag[key] = this.meanPattern.test(key) ? buf.mean(this.windowSize) : buf.current();
    for (const cfg of customCfg) {
      let dataSrc = cfg.data_src;
      let logName = cfg.log_name ?? dataSrc;
      if (reservePrefix) {
        dataSrc = `${mode}/${dataSrc}`;
        logName = `${mode}/${logName}`;
      }
      const buf = modeScalars.get(dataSrc);
      if (buf) tag[logName] = buf.statistics(cfg.method_name, cfg.window_size as number | undefined);
    }
    return tag;
  }

  private collectNonScalars(runner: LogRunnerView, mode: Mode): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    for (const [k, v] of runner.messageHub.runtimeInfo) {
      if (k.startsWith(mode)) out[this.logWithHierarchy ? k : removePrefix(k, `${mode}/`)] = v;
    }
    return out;
  }

  private parseWindowSize(runner: LogRunnerView, batchIdx: number, customCfg: CustomLogCfg[]): CustomLogCfg[] {
    return customCfg.map((c) => {
      const w = c.window_size;
      if (w === undefined || typeof w === 'number') return { ...c };
      if (w === 'epoch') return { ...c, window_size: batchIdx + 1 };
      if (w === 'global') return { ...c, window_size: runner.iter + 1 };
      throw new TypeError(`window_size should be int, epoch or global, but got invalid ${String(w)}`);
    });
  }

  private epochOf(runner: LogRunnerView, mode: Mode): number {
    if (mode === 'train') return runner.epoch + 1;
    return runner.hasTrainLoop ? runner.epoch : 0;
  }

  private checkCustomCfg(): void {
    const seen = new Set<string>();
    for (const c of this.customCfg) {
      if (!('data_src' in c)) throw new Error('log_processor.custom_cfg: every entry needs a `data_src`');
      const name = c.log_name ?? c.data_src;
      if (seen.has(name)) {
        throw new Error(`Found duplicate ${name} for ${c.data_src}. Please check your \`custom_cfg\` for \`log_processor\`. You should neither define duplicate \`${name}\` for ${c.data_src} nor do not define any ${name} for multiple ${c.data_src}, See more information in the docstring of LogProcessor`);
      }
      seen.add(name);
      if (!this.byEpoch && c.window_size === 'epoch') throw new Error('window_size cannot be epoch if LoggerHook.by_epoch is False.');
    }
  }
}

function removePrefix(s: string, prefix: string): string {
  return s.startsWith(prefix) ? s.slice(prefix.length) : s;
}

function formatMatrix(v: unknown): string {
  if (Array.isArray(v) && Array.isArray(v[0])) return `[${(v as number[][]).map((r) => `[${r.join(', ')}]`).join(',\n ')}]`;
  return JSON.stringify(v);
}
