/**
 * What the train-session tests share: a `start` request for lenet5_mnist.py on the MNIST test files of
 * `../shared/data/mnist` (the loaders made tiny by the caller's cfg-options), a session environment over a memory
 * work dir that records every event, and the events of one kind.
 */
import { readFileSync } from 'node:fs';
import { tf } from '../../backends/tf';
import { configToJSON, dumpConfig, loadConfig } from '../../config';
import { NodeFS } from '../../config/node_fs';
import { sharedPath } from '../../testing/shared';
import type { SessionEnv } from './train_session';
import type { MemoryWorkDir } from './work_dir';
import type { StartRequest, TrainEvent } from './worker_protocol';

export const MNIST_IMAGES = sharedPath('data/mnist/t10k-images-idx3-ubyte.gz');
export const MNIST_LABELS = sharedPath('data/mnist/t10k-labels-idx1-ubyte.gz');

/** lenet5_mnist.py with `cfgOptions` applied, its JSON form passed through `edit`, as the Train panel starts it on WASM. */
export function lenetMnistRequest(cfgOptions: string[], edit: (cfg: Record<string, unknown>) => void = () => {}): StartRequest {
  const { cfg } = loadConfig('configs/lenet/lenet5_mnist.py', new NodeFS(), { cfgOptions });
  const json = configToJSON(cfg) as Record<string, unknown>;
  edit(json);
  return {
    cfg: json,
    cfgText: dumpConfig(cfg),
    cfgFileName: 'lenet5_mnist.py',
    workDirName: 'lenet5_mnist',
    files: [
      { path: 't10k-images-idx3-ubyte.gz', data: new Uint8Array(readFileSync(MNIST_IMAGES)) },
      { path: 't10k-labels-idx1-ubyte.gz', data: new Uint8Array(readFileSync(MNIST_LABELS)) },
    ],
    mounts: ['data/mnist'],
    backend: 'wasm',
    resume: false,
    progressIntervalMs: 0,
  };
}

/**
 * The cfg-options that make the run tiny: `images` MNIST test images for training (batch 16, so images / 16
 * iterations an epoch), `valImages` for validation, the loss logged every iteration, seed 0.
 */
export function tinyLenetOptions(valImages: number, images = 64): string[] {
  return [
    'train_dataloader.dataset.test_mode=True',
    `train_dataloader.dataset.indices=${images}`,
    `val_dataloader.dataset.indices=${valImages}`,
    'train_dataloader.batch_size=16',
    'val_dataloader.batch_size=16',
    'default_hooks.logger.interval=1',
    'randomness.seed=0',
  ];
}

/** Adds a random horizontal flip after the loading step of the training pipeline (a run that draws random numbers). */
export function withRandomFlip(json: Record<string, unknown>): void {
  const train = json.train_dataloader as { dataset: { pipeline: unknown[] } };
  train.dataset.pipeline = [train.dataset.pipeline[0], { type: 'RandomFlip', prob: 0.5, direction: 'horizontal' }, ...train.dataset.pipeline.slice(1)];
}

/** A session over `store` that pushes every event to `events` (and hands it to `onEvent`). */
export function recordingEnv(store: MemoryWorkDir, events: TrainEvent[], onEvent: (e: TrainEvent) => void = () => {}, extra: Partial<SessionEnv> = {}): SessionEnv {
  return {
    post: (e) => {
      events.push(e);
      onEvent(e);
    },
    openWorkDir: async () => store,
    initBackend: async (name) => {
      await tf.setBackend(name);
      return tf.getBackend();
    },
    ...extra,
  };
}

/** The events of one kind. */
export const eventsOf = <K extends TrainEvent['kind']>(events: TrainEvent[], kind: K) => events.filter((e): e is Extract<TrainEvent, { kind: K }> => e.kind === kind);
