import { describe, expect, it } from 'vitest';
import { tf } from '../../backends/tf';
import '@tensorflow/tfjs-backend-wasm';
import { buildClassifier } from '../../models/builder';
import { registerAll } from '../setup_env';
import { registerTrainingKernels } from '../kernels/register_training_kernels';
import { buildOptimWrapper } from '../optimizers/default_constructor';
import { ClassifierRunnerModel } from './classifier_model';

describe('training on WASM', () => {
  it('keeps the tensor count flat over 1000 steps (LeNet-5, SGD momentum, validation every 250)', async () => {
    await tf.setBackend('wasm');
    registerAll();
    registerTrainingKernels('wasm');
    const model = buildClassifier({
      model: { type: 'ImageClassifier', backbone: { type: 'LeNet5', num_classes: 10 }, head: { type: 'ClsHead', loss: { type: 'CrossEntropyLoss' } } },
      data_preprocessor: { mean: [33.46], std: [78.87], num_classes: 10 },
    });
    const runnerModel = new ClassifierRunnerModel(model);
    const optim = buildOptimWrapper(model as never, { optimizer: { type: 'SGD', lr: 0.01, momentum: 0.9, weight_decay: 1e-4 } });
    const batch = {
      inputs: [0, 1].map((k) => ({ dtype: 'uint8', shape: [1, 32, 32], data: Uint8Array.from({ length: 1024 }, (_, i) => (i * 31 + k * 97) % 256) })),
      data_samples: [{ gt_label: [3] }, { gt_label: [7] }],
    };
    runnerModel.train();
    await runnerModel.trainStep(batch, optim); // creates the momentum buffers
    runnerModel.eval();
    await runnerModel.valStep(batch); // creates the eval-mode kernel caches
    runnerModel.train();
    const start = tf.memory().numTensors;
    const counts = new Set<number>();
    let loss = 0;
    for (let step = 1; step <= 1000; step++) {
      loss = (await runnerModel.trainStep(batch, optim)).loss;
      if (step % 250 === 0) {
        runnerModel.eval();
        await runnerModel.valStep(batch);
        runnerModel.train();
      }
      counts.add(tf.memory().numTensors);
    }
    expect([...counts]).toEqual([start]);
    expect(loss).toBeLessThan(0.05); // two images, learnt by heart
    model.dispose();
    optim.dispose();
  }, 300_000);
});
