/**
 * Building classifiers from configs: a whole MMPretrain config (its `model`, with the top-level
 * `data_preprocessor` merged in as mmengine's Runner does) or a bare model dict.
 */
import { MODELS } from '../registry';
import { assert } from '../utils/assert';
import type { ImageClassifier } from './classifiers/image';
import { initWeights } from './nn/init';
import { Generator } from './nn/rng';
import { registerModels } from './register_all';

/** The model dict of a config: `cfg.model` (plus top-level `data_preprocessor`) or `cfg` itself when it has a `type`. */
export function modelConfigOf(cfg: Record<string, unknown>): Record<string, unknown> & { type: string } {
  if (cfg.model && typeof cfg.model === 'object') {
    const model = { ...(cfg.model as Record<string, unknown>) };
    if (model.data_preprocessor === undefined && cfg.data_preprocessor) model.data_preprocessor = cfg.data_preprocessor;
    assert(typeof model.type === 'string', () => "config: 'model' has no 'type'");
    return model as Record<string, unknown> & { type: string };
  }
  assert(typeof cfg.type === 'string', () => "config: neither a 'model' dict nor a model dict with 'type'");
  return cfg as Record<string, unknown> & { type: string };
}

/** Options of {@link buildClassifier}. */
export interface BuildClassifierOptions {
  /** Run `init_weights()` (PyTorch defaults + `init_cfg`) with this seed; `null` skips it (weights zero until loaded). Default: 0. */
  seed?: number | null;
}

/** Builds the classifier of `cfg` (whole config or model dict), initialised as `model.init_weights()`. */
export function buildClassifier(cfg: Record<string, unknown>, { seed = 0 }: BuildClassifierOptions = {}): ImageClassifier {
  registerModels();
  const model = MODELS.build<ImageClassifier>(deepCopy(modelConfigOf(cfg)));
  if (seed !== null) initWeights(model, new Generator(seed));
  return model;
}

function deepCopy<T>(v: T): T {
  return JSON.parse(JSON.stringify(v)) as T;
}
