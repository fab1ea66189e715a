/**
 * Out of memory in the engine services, for real: MMPretrain's DINOv2 ViT-g/14 (`vit-giant-p14_dinov2-pre_headless`,
 * 1.14 B parameters on its model card, 4.5 GB of float32) does not fit tfjs's 4 GB WASM heap. Loading it in the
 * Inference, CAM or Model panel fails with its size, leaves nothing allocated, and the engine goes on: a small model
 * then loads and classifies as before. A forward that does not fit (the Model panel's analysis on a huge input)
 * fails the same way with the model's size.
 */
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../../apis/node';
import { formatCount, formatDecimalBytes, WASM_HEAP_MAX_BYTES } from '../../backends/oom';
import { readConfigFile } from '../../models/node';
import { refPath } from '../../models/testing/reference';
import { missingShared } from '../../testing/shared';
import { estimateFromConfig, indexedParameters } from './oom';
import { bytes, cfgOf, dog, inlineEngine, moved } from './services.testkit';

const esc = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

const GIANT = 'vit-giant-p14_dinov2-pre_headless';
const giant = { name: `${GIANT}.py`, dict: readConfigFile(join(REPO_ROOT, `configs/dinov2/${GIANT}.py`)) as Record<string, unknown> };

const { engine, close } = inlineEngine();
afterAll(close);

describe.skipIf(missingShared(dog, refPath('lenet5', '.safetensors'), refPath('resnet18_cifar_w16', '.safetensors')))('out of memory in the engine', () => {
  it("a model past WASM's heap: the message names it, its parameters and bytes; nothing stays allocated; a small model then loads and predicts", async () => {
    // The estimate, from the config alone (shapes-only build): the model card's count.
    const card = indexedParameters(GIANT);
    expect(card).toBe(1_136_000_000);
    const est = (await estimateFromConfig(giant.name, giant.dict, 'wasm', null))!;
    expect(Math.abs(est.params - card!) / card!).toBeLessThan(1e-3);
    expect(est.partial).toBe(false);
    expect(est.totalBytes).toBeGreaterThan(WASM_HEAP_MAX_BYTES);
    const expected = new RegExp(
      `^Out of memory building ${esc(GIANT)} \\(VisionTransformer arch 'dinov2-giant'\\) \\(${esc(formatCount(est.params))} parameters ≈ ${esc(formatDecimalBytes(est.paramBytes + est.bufferBytes))} of weights on WASM, more than WASM's 4 GB heap\\); ` +
        `try a smaller batch or image size, CPU, or a smaller model\\. \\(tfjs: RangeError: WASM heap out of memory: malloc\\(\\d+\\) failed with the heap at \\d+ bytes\\)$`,
    );

    const base = await engine.memory();
    const times: number[] = [];
    const timed = async (p: Promise<unknown>) => {
      const t0 = performance.now();
      const e = await p.then(
        () => null,
        (x: unknown) => x,
      );
      times.push(performance.now() - t0);
      return e as Error;
    };
    // Inference panel.
    const inf = await timed(engine.inference.load('wasm', giant, null));
    expect(inf.name).toBe('OutOfMemoryError');
    expect(inf.message).toMatch(expected);
    expect(await engine.memory()).toEqual(base);
    // CAM panel and Model panel: the same.
    const cam = await timed(engine.cam.load('wasm', { kind: 'dict', ...giant }, null));
    expect(cam.message).toMatch(expected);
    const model = await timed(engine.model.analyze(giant.dict, [3, 518, 518], giant.name));
    expect(model.message).toMatch(expected);
    expect(await engine.memory()).toEqual(base);
    console.log(`[oom] ${inf.message}\n[oom] failed in ${times.map((t) => `${(t / 1000).toFixed(1)} s`).join(', ')}`);

    // The engine goes on: a small model loads and classifies (the panel's next load works).
    const lenet = await engine.inference.load('wasm', { name: 'lenet5_cfg.json', dict: cfgOf('lenet5') }, { name: 'lenet5.safetensors', data: new Blob([bytes(refPath('lenet5', '.safetensors'))]) });
    expect(lenet).toMatchObject({ name: 'lenet5_cfg', backend: 'wasm', numClasses: 10 });
    const pred = await engine.inference.predict('dog.jpg', moved(bytes(dog)), 3);
    expect(pred.pred_scores).toHaveLength(10);
    expect(Math.abs(pred.pred_scores.reduce((a, b) => a + b, 0) - 1)).toBeLessThan(1e-5);
    expect(pred.topk[0].label).toBe(pred.pred_label);
    // …the same scores as a fresh engine gives (the weights were read right, the heap is sound).
    const { engine: fresh, close: closeFresh } = inlineEngine();
    const cam2 = await fresh.cam.load('wasm', { kind: 'dict', name: 'lenet5_cfg.json', dict: cfgOf('lenet5') }, { name: 'lenet5.safetensors', data: bytes(refPath('lenet5', '.safetensors')) });
    expect(cam2.numClasses).toBe(10);
    const image = await fresh.cam.image('dog.jpg', moved(bytes(dog)));
    expect(image.top[0].index).toBe(pred.pred_label);
    expect(Math.abs(image.top[0].score - pred.pred_score)).toBeLessThan(1e-5);
    closeFresh();
  });

  it('a forward that does not fit (the Model panel on a 8192×8192 input): its size, the model still usable', async () => {
    const resnet = cfgOf('resnet18_cifar_w16');
    const base = await engine.memory();
    const e = (await engine.model.analyze(resnet, [3, 8192, 8192], 'resnet18_cifar_w16_cfg.json').then(
      () => null,
      (x: unknown) => x,
    )) as Error;
    expect(e.name).toBe('OutOfMemoryError');
    // tfjs's words: the refused allocation, or (the heap grown past 2 GB by the test above) its transpose reading
    // out of bounds of the 805 MB input (a read: the heap is sound, as the next calls show)
    expect(e.message).toMatch(
      /^Out of memory running resnet18_cifar_w16_cfg \(ResNet_CIFAR\) \([\d.]+ [kM] parameters ≈ [\d.]+ [kM]B of weights on WASM\); try a smaller batch or image size, CPU, or a smaller model\. \(tfjs: (RangeError: WASM heap out of memory: malloc\(\d+\) failed with the heap at \d+ bytes|RuntimeError: memory access out of bounds)\)$/,
    );
    expect((await engine.memory()).numTensors).toBe(base.numTensors);
    const ok = await engine.model.analyze(resnet, [3, 32, 32], 'resnet18_cifar_w16_cfg.json');
    expect(e.message).toContain(`(${formatCount(ok.params)} parameters ≈ `); // the count the analysis gives
    expect(ok.rows[0].type).toBe('ImageClassifier');
    // the Inference panel's LeNet-5 still classifies
    const again = await engine.inference.predict('dog.jpg', moved(bytes(dog)), 1);
    expect(again.pred_scores).toHaveLength(10);
    console.log(`[oom] ${e.message}`);
  });
});
