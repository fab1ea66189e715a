/**
 * Released weights of shipped models (MMPretrain's metafile `Weights:` entries): the studio serves them from
 * `public/` (a path relative to the site root), so `getModel(name, {pretrained: true})` in the page and the
 * Inference panel's model picker need no file.
 */

export interface ReleasedWeights {
  /** Path under `public/` (and under the site root). */
  path: string;
  /** What the weights are, shown beside the model. */
  note: string;
}

/** Shipped model name → its released checkpoint. */
export const RELEASED_WEIGHTS: Readonly<Record<string, ReleasedWeights>> = Object.freeze({
  'lenet5_1xb32-sgd-coslr-3e_fashion-mnist': {
    path: 'models/lenet5_fashion-mnist.pth',
    note: 'trained 3 epochs on Fashion-MNIST by `npm run train-default`',
  },
});

/** The studio's default model (selected in the Inference panel on a first visit). */
export const DEFAULT_MODEL = 'lenet5_1xb32-sgd-coslr-3e_fashion-mnist';

export function releasedWeightsOf(name: string): ReleasedWeights | null {
  return Object.hasOwn(RELEASED_WEIGHTS, name) ? RELEASED_WEIGHTS[name] : null;
}
