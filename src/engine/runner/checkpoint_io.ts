import { concatParts, loadCheckpoint, pthObjectParts, type Checkpoint } from '../../fileio';
import type { OptimizerStateDict } from '../optimizers/optimizer';
import type { Runner } from './runner';
import { restoreDataRng, type SurvivalMeta } from './survival';

/**
 * A runner checkpoint as `.pth` bytes that PyTorch MMPretrain loads and resumes from: `meta`, `state_dict`
 * (an OrderedDict), `optimizer` (PyTorch layout, integer parameter indices), `param_schedulers`, and
 * `message_hub` as mmengine's `MessageHub.state_dict()` (runtime info; the scalar history is not carried).
 */
export function serializeRunnerCheckpoint(checkpoint: Record<string, unknown>): Uint8Array {
  const out: Record<string, unknown> = { ...checkpoint };
  const optimizer = checkpoint.optimizer as OptimizerStateDict | undefined;
  if (optimizer) {
    out.optimizer = {
      state: new Map(Object.entries(optimizer.state).map(([k, v]) => [Number(k), v])),
      param_groups: optimizer.param_groups,
    };
  }
  const schedulers = checkpoint.param_schedulers as Record<string, unknown>[] | undefined;
  if (schedulers) out.param_schedulers = schedulers.map(withIntMilestones);
  const hub = checkpoint.message_hub as { runtime_info?: Record<string, unknown> } | undefined;
  if (hub) {
    const runtime = Object.fromEntries(Object.entries(hub.runtime_info ?? {}).filter(([, v]) => v === null || ['number', 'string', 'boolean', 'object'].includes(typeof v)));
    out.message_hub = { log_scalars: {}, runtime_info: runtime, resumed_keys: Object.fromEntries(Object.keys(runtime).map((k) => [k, true])) };
  }
  return concatParts(pthObjectParts(out));
}

/** A MultiStep scheduler's `milestones` counter keyed by integer steps (as mmengine's `Counter`), not strings. */
function withIntMilestones(state: Record<string, unknown>): Record<string, unknown> {
  const m = state.milestones;
  if (!m || typeof m !== 'object' || Array.isArray(m) || m instanceof Map) return state;
  return { ...state, milestones: new Map(Object.entries(m).map(([k, v]) => [Number(k), v])) };
}

/** What a loaded checkpoint gives a run: weights, and the training state when resuming. */
export interface LoadReportSummary {
  file: string;
  missingKeys: string[];
  unexpectedKeys: string[];
  shapeMismatches: { key: string; expected: number[]; got: number[] }[];
  resumed: boolean;
  epoch?: number;
  iter?: number;
}

/**
 * mmengine's `Runner.load_checkpoint` (weights only, non-strict, the report logged) and `Runner.resume`
 * (weights, epoch and iteration, optimizer, schedulers, runtime info; hooks' `after_load_checkpoint`).
 */
export async function loadIntoRunner(runner: Runner, bytes: Uint8Array, file: string, { resume }: { resume: boolean }): Promise<LoadReportSummary> {
  const ck: Checkpoint = await loadCheckpoint(bytes, file);
  const report = runner.model.loadStateDict(ck.stateDict as Map<string, unknown>, { strict: false }) as Omit<LoadReportSummary, 'file' | 'resumed'>;
  const summary: LoadReportSummary = { file, missingKeys: report.missingKeys, unexpectedKeys: report.unexpectedKeys, shapeMismatches: report.shapeMismatches, resumed: false };
  if (summary.missingKeys.length) runner.logger.warning(`The model and loaded state dict do not match exactly\n\nmissing keys in source state_dict: ${summary.missingKeys.join(', ')}\n`);
  if (summary.unexpectedKeys.length) runner.logger.warning(`unexpected key in source state_dict: ${summary.unexpectedKeys.join(', ')}\n`);
  runner.logger.info(`Load checkpoint from ${file}`);
  if (!resume) return summary;

  const meta = ck.meta ?? {};
  if (!runner.trainLoop) throw new Error(`${file}: resuming needs a training run`);
  const epoch = Number(meta.epoch ?? 0);
  const iter = Number(meta.iter ?? 0);
  runner.trainLoop.epoch = epoch;
  runner.trainLoop.iter = iter;
  const optimizer = ck.other.optimizer as OptimizerStateDict | undefined;
  if (optimizer && runner.optimWrapper?.loadStateDict) runner.optimWrapper.loadStateDict(optimizer);
  const schedulers = ck.other.param_schedulers as unknown[] | undefined;
  if (schedulers) {
    if (schedulers.length !== runner.paramSchedulers.length) {
      throw new Error(`${file}: the checkpoint has ${schedulers.length} parameter schedulers, the config ${runner.paramSchedulers.length}`);
    }
    runner.paramSchedulers.forEach((s, i) => s.loadStateDict?.(schedulers[i]));
  }
  const hub = ck.other.message_hub as { runtime_info?: Record<string, unknown> } | undefined;
  for (const [k, v] of Object.entries(hub?.runtime_info ?? {})) if (k !== 'cfg') runner.messageHub.updateInfo(k, v);
  const studio = meta.studio as SurvivalMeta | undefined;
  let inner = 0;
  if (studio?.survival) {
    // A survival checkpoint: continue inside its epoch with the same samples, and the scalars so far.
    const loader = runner.trainLoop.dataloader;
    if (studio.epoch_length !== loader.length) {
      throw new Error(`${file}: saved with ${studio.epoch_length} iterations per epoch, the config's train_dataloader has ${loader.length} (batch_size or dataset changed); resume from an epoch checkpoint instead`);
    }
    restoreDataRng((loader as { dataset?: unknown }).dataset, studio.data_rng ?? []);
    runner.messageHub.loadStateDict({ log_scalars: studio.log_scalars ?? {}, runtime_info: {} });
    inner = Number(studio.inner_iter ?? 0);
    runner.trainLoop.resumeInnerIter = inner;
  }
  const previousSeed = meta.seed;
  if (previousSeed !== undefined && previousSeed !== runner.seed) {
    runner.logger.warning(`The value of random seed in the checkpoint "${String(previousSeed)}" is different from the value in \`randomness\` config "${runner.seed}"`);
  }
  await runner.callHook('afterLoadCheckpoint', { ...ck.other, meta, state_dict: ck.stateDict });
  runner.logger.info(`resumed epoch: ${epoch}, iter: ${iter}${studio?.survival ? ` (survival checkpoint: ${inner} of the epoch's ${studio.epoch_length} iterations done)` : ''}`);
  return { ...summary, resumed: true, epoch, iter };
}
