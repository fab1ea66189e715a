/**
 * Fine-tuning pretrained zoo backbones on real CIFAR-10 images (`shared/data/cifar10`, the first records of
 * `data_batch_1.bin`) on WASM, as the Train panel does: three families of the reference zoo (ConvNeXt, RepVGG,
 * EfficientNet), their `.pth` loaded, a fresh 10-class head, SGD through the project's OptimWrapper. The loss over
 * a fixed batch falls within a few steps and the tensor count stays flat from step to step.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { tf } from '../../backends/tf';
import { parseCifarBinary } from '../../datasets/cifar';
import { registerTrainingKernels } from '../../engine/kernels/register_training_kernels';
import { registerEngine } from '../../engine/register_all';
import { buildOptimWrapper } from '../../engine/optimizers';
import { sharedPath, missingShared } from '../../testing/shared';
import { buildClassifier } from '../builder';
import { loadCheckpoint } from '../../fileio';
import { useBackend } from '../node';
import { zooModelCfg, zooPath } from '../testing/zoo';

const cifar = sharedPath('data/cifar10/data_batch_1.first258.bin');
const FAMILIES = ['ConvNeXt', 'RepVGG', 'EfficientNet'];
const BATCH = 16;
const STEPS = 6;

describe('fine-tuning zoo backbones on CIFAR-10 (WASM)', () => {
  for (const family of FAMILIES) {
    it.skipIf(missingShared(cifar) || missingShared(zooPath(`${family}_tiny.pth`)))(`${family}: the loss falls over ${STEPS} SGD steps, tensor count flat`, async () => {
      await useBackend('wasm');
      registerTrainingKernels('wasm');
      registerEngine();
      const { images, labels } = parseCifarBinary(new Uint8Array(readFileSync(cifar)), 'data_batch_1.first258.bin', 1, 10);
      const cfg = zooModelCfg(family) as Record<string, unknown> & { head: Record<string, unknown> };
      const model = buildClassifier({ ...cfg, head: { ...cfg.head, num_classes: 10 }, data_preprocessor: { ...(cfg.data_preprocessor as object), num_classes: 10 } }, { seed: 0 });
      // The pretrained backbone (the zoo's .pth), the head left at its init: a fine-tune.
      const ckpt = await loadCheckpoint(new Uint8Array(readFileSync(zooPath(`${family}_tiny.pth`))), `${family}_tiny.pth`);
      const backbone = new Map([...ckpt.stateDict].filter(([k]) => k.startsWith('backbone.')));
      const report = model.loadStateDict(backbone, { strict: false });
      expect(report.unexpectedKeys).toEqual([]);
      expect(report.missingKeys.every((k) => !k.startsWith('backbone.'))).toBe(true);
      const optim = buildOptimWrapper(model, { optimizer: { type: 'SGD', lr: 0.05, momentum: 0.9, weight_decay: 1e-4 } });
      const raw = tf.tensor4d(Uint8Array.from(images.slice(0, BATCH).flatMap((im) => [...im.data])), [BATCH, 32, 32, 3], 'int32');
      const inputs = tf.tidy(() => tf.transpose(tf.cast(raw, 'float32'), [0, 3, 1, 2]));
      const samples = labels.slice(0, BATCH).map((l) => ({ gt_label: [l] }));
      model.train();
      try {
        const losses: number[] = [];
        const counts: number[] = [];
        for (let s = 0; s < STEPS; s++) {
          losses.push(
            await optim.updateParamsFromLossAsync(() => {
              const { inputs: x, data_samples } = model.dataPreprocessor.forward({ inputs, data_samples: samples }, true);
              return model.loss(x, data_samples!).loss as tf.Scalar;
            }),
          );
          counts.push(tf.memory().numTensors);
        }
        console.log(`[finetune] ${family}: loss ${losses.map((l) => l.toFixed(3)).join(' → ')}; tensors ${counts.join(', ')}`);
        expect(losses.every(Number.isFinite)).toBe(true);
        expect(losses[STEPS - 1]).toBeLessThan(losses[0] * 0.8);
        expect(new Set(counts.slice(1)).size).toBe(1); // the optimizer's state exists after the first step
      } finally {
        tf.dispose([raw, inputs]);
        optim.dispose();
        model.dispose();
      }
    });
  }
});
