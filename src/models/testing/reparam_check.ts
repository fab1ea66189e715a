/**
 * Checks of structural re-parameterisation (`switchToDeploy`) for the tests of RepVGG, MobileOne, RepLKNet and
 * RepMLPNet: the train-form model and its deploy form give the same outputs, and the deploy form's state dict has
 * the keys and shapes of the model built directly in deploy form (so it exports as a deploy checkpoint).
 */
import { readFileSync } from 'node:fs';
import { tf, type Tensor } from '../../backends/tf';
import { parseNpz, toFloat32 } from '../../fileio';
import { MODELS } from '../../registry';
import type { ImageClassifier } from '../classifiers/image';
import { initWeights } from '../nn/init';
import type { AnyModule } from '../nn/module';
import { BatchNorm } from '../nn/norm';
import { Generator } from '../../utils/random';
import { registerModels } from '../register_all';
import { fuseConvBn } from '../utils/fuse_conv_bn';
import { switchToDeploy } from '../utils/reparam';
import { buildReferenceModel, parityError } from './parity_core';
import { zooModelCfg, zooPath } from './zoo';

export interface DeployCheck {
  /** Largest error (`parityError`) of the deploy form's logits / features against the reference. */
  deployError: number;
  /** The same for a model built in deploy form that loaded the switched model's state dict strictly. */
  exportedError: number;
  /** `[key, shape]` of the switched model and of the deploy-form build. */
  switchedKeys: [string, number[]][];
  deployKeys: [string, number[]][];
  /** Tensors left behind by one more deploy-form forward pass (0 expected). */
  tensorLeak: number;
}

const keysOf = (m: AnyModule): [string, number[]][] => [...m.stateDictShapes()].map(([k, s]) => [k, s]);

/** Compares switched vs deploy-built: outputs against `ref`, and keys. `build` makes the deploy-form model. */
async function compareDeploy(model: AnyModule, x: Tensor, ref: ArrayLike<number>, buildDeploy: () => AnyModule, run: (m: AnyModule, x: Tensor) => Tensor): Promise<DeployCheck> {
  switchToDeploy(model);
  const y = run(model, x);
  const deployError = parityError(await y.data(), ref);
  y.dispose();
  const deployed = buildDeploy();
  try {
    deployed.loadStateDict(model.stateDict(), { strict: true });
    deployed.eval();
    const z = run(deployed, x);
    const exportedError = parityError(await z.data(), ref);
    z.dispose();
    tf.dispose(run(model, x));
    const before = tf.memory().numTensors;
    tf.dispose(run(model, x));
    return { deployError, exportedError, switchedKeys: keysOf(model), deployKeys: keysOf(deployed), tensorLeak: tf.memory().numTensors - before };
  } finally {
    deployed.dispose();
  }
}

/**
 * The zoo fixture of `family` (train form, its `.pth`): switched to deploy form, its logits against the fixture's;
 * `deployOptions` (e.g. `{deploy: true}`) added to the backbone config build the deploy-form model.
 */
export async function checkZooDeploy(family: string, deployOptions: Record<string, unknown>): Promise<DeployCheck> {
  const cfg = zooModelCfg(family);
  const io = parseNpz(new Uint8Array(readFileSync(zooPath(`${family}_tiny_io.npz`))), `${family}_tiny_io.npz`);
  const { model } = await buildReferenceModel(cfg, { data: new Uint8Array(readFileSync(zooPath(`${family}_tiny.pth`))), name: `${family}_tiny.pth` });
  const x = tf.tensor(toFloat32(io.x), io.x.shape);
  try {
    const deployCfg = { ...cfg, backbone: { ...(cfg.backbone as object), ...deployOptions } };
    return await compareDeploy(model, x, toFloat32(io.logits), () => MODELS.build<ImageClassifier>(deployCfg as unknown as { type: string }), (m, t) => m.call(t) as Tensor);
  } finally {
    x.dispose();
    model.dispose();
  }
}

/** Random weights, with BatchNorm statistics and affine parameters away from their 0 / 1 defaults. */
export function randomizeWeights(model: AnyModule, seed = 1): void {
  initWeights(model, new Generator(seed));
  const rng = new Generator(seed + 1);
  tf.tidy(() => {
    for (const [, m] of model.namedModules()) {
      if (!(m instanceof BatchNorm)) continue;
      const c = m.numFeatures;
      m.runningMean.assign(tf.tensor(rng.normalArray(c, 0, 0.3)));
      m.runningVar.assign(tf.tensor(rng.uniformArray(c, 0.5, 2)));
      m.weight?.assign(tf.tensor(rng.uniformArray(c, 0.5, 1.5)));
      m.bias?.assign(tf.tensor(rng.normalArray(c, 0, 0.3)));
    }
  });
}

/**
 * A backbone built from `cfg` with random weights (eval mode): its concatenated outputs on a random NHWC input of
 * `inputShape`, then switched to deploy form and compared; `deployOptions` added to `cfg` build the deploy form.
 */
export async function checkRandomDeploy(cfg: Record<string, unknown>, deployOptions: Record<string, unknown>, inputShape: number[], seed = 1): Promise<DeployCheck & { scale: number }> {
  registerModels();
  const model = MODELS.build<AnyModule>(cfg as { type: string });
  const x = tf.randomNormal(inputShape, 0, 1, 'float32', seed);
  const run = (m: AnyModule, t: Tensor) => tf.tidy(() => tf.concat((m.call(t) as Tensor[]).map((o) => tf.reshape(o, [-1]))));
  try {
    randomizeWeights(model, seed);
    model.eval();
    const y = run(model, x);
    const ref = await y.data();
    y.dispose();
    const scale = Math.max(1, ...Array.from(ref, Math.abs));
    // Relative to the largest feature: the per-element rule would be stricter than float32 re-association allows.
    const scaled = Float32Array.from(ref, (v) => v / scale);
    const runScaled = (m: AnyModule, t: Tensor) => tf.tidy(() => tf.div(run(m, t), scale));
    const r = await compareDeploy(model, x, scaled, () => MODELS.build<AnyModule>({ ...cfg, ...deployOptions } as { type: string }), runScaled);
    return { ...r, scale };
  } finally {
    x.dispose();
    model.dispose();
  }
}

/**
 * The zoo fixture of `family` with `fuseConvBn` (inference folding) before and after `switchToDeploy`: the largest
 * logits errors against the fixture for fold → switch and for switch → fold.
 */
export async function checkZooFuse(family: string): Promise<{ foldThenSwitch: number; switchThenFold: number }> {
  const cfg = zooModelCfg(family);
  const io = parseNpz(new Uint8Array(readFileSync(zooPath(`${family}_tiny_io.npz`))), `${family}_tiny_io.npz`);
  const ref = toFloat32(io.logits);
  const x = tf.tensor(toFloat32(io.x), io.x.shape);
  const weights = { data: new Uint8Array(readFileSync(zooPath(`${family}_tiny.pth`))), name: `${family}_tiny.pth` };
  const measure = async (steps: ((m: AnyModule) => void)[]) => {
    const { model } = await buildReferenceModel(cfg, weights);
    try {
      for (const s of steps) s(model);
      const y = model.call(x) as Tensor;
      const e = parityError(await y.data(), ref);
      y.dispose();
      return e;
    } finally {
      model.dispose();
    }
  };
  try {
    const fold = (m: AnyModule) => void fuseConvBn(m);
    const sw = (m: AnyModule) => void switchToDeploy(m);
    return { foldThenSwitch: await measure([fold, sw]), switchThenFold: await measure([sw, fold]) };
  } finally {
    x.dispose();
  }
}
