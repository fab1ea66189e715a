/** Base class of backbones (MMPretrain `BaseBackbone`): a module mapping an NHWC batch to a tuple of features. */
import { tf, type Tensor } from '../../backends/tf';
import { assert } from '../../utils/assert';
import type { InitCfg } from '../nn/init';
import { Module, type AnyModule } from '../nn/module';

export abstract class BaseBackbone extends Module<Tensor, Tensor[]> {
  initCfg: InitCfg | InitCfg[] | null;

  constructor(initCfg: InitCfg | InitCfg[] | null | undefined = null) {
    super();
    this.initCfg = initCfg ?? null;
  }
}

/**
 * Runs `modules` in order from `x` and returns the outputs of those whose index minus `offset` is in
 * `outIndices` (the usual `for i, layer in enumerate(self.layers): … if i in self.out_indices` loop). Each
 * module runs in its own `tf.tidy`; an intermediate is freed once used unless it is returned or hooked.
 */
export function runStages(x: Tensor, modules: AnyModule[], outIndices: number[], offset = 0): Tensor[] {
  const outs: Tensor[] = [];
  let y = x;
  let disposable = false;
  modules.forEach((m, i) => {
    const next = tf.tidy(() => m.call(y) as Tensor);
    if (next !== y && disposable) y.dispose();
    const keep = outIndices.includes(i - offset);
    if (keep) outs.push(next);
    disposable = !keep && !m.hasForwardHooks() && next !== x;
    y = next;
  });
  if (disposable) y.dispose();
  return outs;
}

/** Normalises `out_indices` (negative counts from the end) and checks them against `count` stages. */
export function checkOutIndices(outIndices: number[], count: number, where: string): number[] {
  return outIndices.map((i) => {
    const j = i < 0 ? count + i : i;
    assert(j >= 0 && j < count, () => `${where}: the item in out_indices must in range(0, ${count}). But received ${i}`);
    return j;
  });
}

/** Puts `modules` in eval mode with frozen parameters (`_freeze_stages`). */
export function freeze(modules: AnyModule[]): void {
  for (const m of modules) m.eval().requiresGrad(false);
}

/** `norm_eval`: every BatchNorm below `root` back to eval mode while training. */
export function batchNormsToEval(root: AnyModule): void {
  for (const [, m] of root.namedModules()) if (m.typeNames().includes('_BatchNorm')) m.eval();
}
