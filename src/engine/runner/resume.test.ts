import { existsSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { tf } from '../../backends/tf';
import '@tensorflow/tfjs-backend-wasm';
import { loadConfig, MemoryFS, dumpConfig } from '../../config';
import { FileSystem, openArchiveAsync } from '../../fileio/sources';
import { loadCheckpoint } from '../../fileio';
import { sharedPath } from '../../testing/shared';
import { buildRunner } from './build_runner';
import { loadIntoRunner, serializeRunnerCheckpoint } from './checkpoint_io';
import { MemoryWorkDir } from './work_dir';

const RUN = sharedPath('reference/runner_run');
const CKPT = sharedPath('reference/checkpoints/runner_resnet18_cifar_w16_2cls_epoch_3.pth');

describe('resuming the real MMPretrain run (runner_run) from its epoch-3 checkpoint', () => {
  it.skipIf(!existsSync(CKPT) || !existsSync(`${RUN}/config.py`))('continues to epoch 4 with the saved lr, optimizer state and best score, and writes a checkpoint that reads back', async () => {
    await tf.setBackend('wasm');
    // The config exactly as mmengine dumped it, with one more epoch.
    const fs = new MemoryFS({ 'config.py': readFileSync(`${RUN}/config.py`, 'utf8') });
    const { cfg } = loadConfig('config.py', fs, { cfgOptions: ['train_cfg.max_epochs=4'] });
    const data = new FileSystem(null);
    data.mount('', await openArchiveAsync(new Uint8Array(readFileSync(`${RUN}/data.tar.gz`)), 'data.tar.gz'));
    const store = new MemoryWorkDir('work');
    const { runner, optimWrapper, model } = await buildRunner(cfg, {
      cfgText: dumpConfig(cfg),
      workDir: store,
      phase: 'train',
      datasetContext: { fileSystem: data },
      serializeCheckpoint: serializeRunnerCheckpoint,
      now: () => new Date(2026, 10, 22, 4, 0, 0),
    });
    const summary = await loadIntoRunner(runner, new Uint8Array(readFileSync(CKPT)), 'epoch_3.pth', { resume: true });
    expect(summary).toMatchObject({ resumed: true, epoch: 3, iter: 12, missingKeys: [], unexpectedKeys: [], shapeMismatches: [] });
    // MultiStepLR(milestones=[2]) already applied: lr 0.1 × 0.1, as the checkpoint's param group says.
    expect(optimWrapper!.getLr().lr[0]).toBeCloseTo(0.010000000000000002, 15);
    expect(runner.messageHub.getInfo('best_score')).toBe(100);
    await runner.train();

    const lines = store.text('20261122_040000/vis_data/scalars.json')!.trim().split('\n').map((l) => JSON.parse(l));
    expect(lines.filter((l) => 'lr' in l).map((l) => [l.epoch, l.iter])).toEqual([[4, 13], [4, 14], [4, 15], [4, 16]]);
    expect(lines.at(-1)).toMatchObject({ 'accuracy/top1': expect.any(Number), step: 4 });
    expect(store.text('last_checkpoint')).toBe('work/epoch_4.pth');

    // The checkpoint we wrote reads back: weights, meta, optimizer momentum buffers with integer indices.
    const back = await loadCheckpoint(store.files.get('epoch_4.pth')!, 'epoch_4.pth');
    expect(back.meta).toMatchObject({ epoch: 4, iter: 16, seed: 0, dataset_meta: { classes: ['cat', 'dog'] } });
    expect([...back.stateDict.keys()]).toEqual([...model.stateDict().keys()]);
    const opt = back.other.optimizer as { state: Record<string, { momentum_buffer: { shape: number[] } }>; param_groups: { lr: number; params: number[] }[] };
    expect(opt.state['0'].momentum_buffer.shape).toEqual([16, 3, 3, 3]);
    expect(opt.param_groups[0].params.length).toBe(model.namedParameters().filter(([, v]) => v.trainable).length);
    const scheduler = (back.other.param_schedulers as { milestones: Record<string, number> }[])[0];
    expect(scheduler.milestones).toEqual({ 2: 1 });
    model.dispose();
  });
});
