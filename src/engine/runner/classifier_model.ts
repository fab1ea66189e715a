import { tf, type Tensor } from '../../backends/tf';
import type { ImageClassifier } from '../../models/classifiers/image';
import type { DataSample } from '../../models/structures';
import type { OptimWrapper } from '../optimizers/optim_wrapper';
import type { DataBatch, RunnerModel } from './interfaces';

/** A packed image as `PackInputs` gives it (CHW). */
interface Packed {
  dtype: string;
  shape: number[];
  data: Uint8Array | Float32Array | Int32Array;
}

function toTensor(p: Packed): Tensor {
  return p.dtype === 'uint8' || p.data instanceof Uint8Array ? tf.tensor(Int32Array.from(p.data), p.shape, 'int32') : tf.tensor(p.data as Float32Array, p.shape, 'float32');
}

/** A loader batch (pseudo-collated packed arrays) as the data preprocessor's input. */
export function batchToModelInput(batch: DataBatch): { inputs: Tensor | Tensor[]; data_samples: DataSample[] } {
  const raw = batch.inputs as Packed | Packed[];
  const inputs = Array.isArray(raw) ? raw.map(toTensor) : toTensor(raw);
  return { inputs, data_samples: batch.data_samples as DataSample[] };
}

/** MMPretrain's `parse_losses`: the total of every entry whose key contains `loss`, logged first. */
export function parseLosses(losses: Record<string, Tensor>): { total: tf.Scalar; logKeys: string[] } {
  const keys = Object.keys(losses).filter((k) => k.includes('loss'));
  if (!keys.length) throw new Error(`The model returned no loss (keys: ${Object.keys(losses).join(', ')})`);
  const total = keys.map((k) => tf.mean(losses[k])).reduce((a, b) => tf.add(a, b)) as tf.Scalar;
  return { total, logKeys: keys };
}

/**
 * An `ImageClassifier` as the runner drives it: `train_step` (preprocess → loss → gradients → optimizer),
 * `val_step` / `test_step` (predictions), with every tensor of a step freed before the next.
 */
export class ClassifierRunnerModel implements RunnerModel {
  constructor(readonly model: ImageClassifier) {}

  /**
   * One training iteration. Asynchronous so that nothing reads GPU memory synchronously (tfjs's WebGPU backend does
   * that through a canvas, which loses the device on some adapters); on CPU/WASM the reads are immediate.
   */
  async trainStep(batch: DataBatch, optimWrapper: unknown): Promise<Record<string, number>> {
    const optim = optimWrapper as OptimWrapper;
    const data = batchToModelInput(batch);
    const parts: Record<string, tf.Scalar> = {};
    try {
      const total = await optim.updateParamsFromLossAsync(() => {
        const { inputs, data_samples } = this.model.dataPreprocessor.forward(data, true);
        const losses = this.model.loss(inputs, data_samples ?? []);
        const { total: t, logKeys } = parseLosses(losses);
        if (logKeys.length > 1) for (const k of logKeys) parts[k] = tf.keep(tf.mean(losses[k]) as tf.Scalar);
        return t;
      });
      const logged: Record<string, number> = {};
      for (const [k, v] of Object.entries(parts)) logged[k] = (await v.data())[0];
      return { loss: total, ...logged };
    } finally {
      tf.dispose(data.inputs);
      tf.dispose(Object.values(parts));
    }
  }

  async valStep(batch: DataBatch): Promise<DataSample[]> {
    const data = batchToModelInput(batch);
    try {
      return await this.model.testStepAsync(data);
    } finally {
      tf.dispose(data.inputs);
    }
  }

  testStep(batch: DataBatch): Promise<DataSample[]> {
    return this.valStep(batch);
  }

  train(mode = true): void {
    this.model.train(mode);
  }

  eval(): void {
    this.model.eval();
  }

  stateDict() {
    return this.model.stateDictAsync();
  }

  loadStateDict(sd: Map<string, unknown>, opts: { strict?: boolean } = {}) {
    return this.model.loadStateDict(sd as never, opts);
  }

  namedParameters() {
    return this.model.namedParameters();
  }
}
