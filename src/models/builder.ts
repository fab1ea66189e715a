/**
 * Building classifiers from configs: a whole MMPretrain config (its `model`, with the top-level
 * `data_preprocessor` merged in as mmengine's Runner does) or a bare model dict.
 */
import { MODELS } from '../registry';
import { assert } from '../utils/assert';
import type { ImageClassifier } from './classifiers/image';
import { setStochasticGenerator } from './nn/dropout';
import { initWeights } from './nn/init';
import { Generator, mixSeed } from '../utils/random';
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
  /**
   * The run's seed: `init_weights()` (PyTorch defaults + `init_cfg`) draws from it, and the stochastic layers
   * (Dropout, DropPath) and the batch augments from streams of their own derived from it. `null` skips
   * `init_weights()` (weights zero until loaded; the other streams then start from seed 0). Default: 0.
   */
  seed?: number | null;
}

/** Which stream of a run's seed each random part of a model draws from (`init_weights()` draws from the seed itself). */
const STREAM = { stochastic: 1, batchAugments: 2 };

/** Builds the classifier of `cfg` (whole config or model dict), initialised as `model.init_weights()`. */
export function buildClassifier(cfg: Record<string, unknown>, { seed = 0 }: BuildClassifierOptions = {}): ImageClassifier {
  registerModels();
  const model = MODELS.build<ImageClassifier>(deepCopy(modelConfigOf(cfg)));
  if (seed !== null) initWeights(model, new Generator(seed));
  setStochasticGenerator(model, new Generator(mixSeed(seed ?? 0, STREAM.stochastic)));
  model.dataPreprocessor.generator = new Generator(mixSeed(seed ?? 0, STREAM.batchAugments));
  return model;
}

function deepCopy<T>(v: T): T {
  return JSON.parse(JSON.stringify(v)) as T;
}
