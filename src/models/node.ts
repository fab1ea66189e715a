/**
 * Node-only helpers for the CLI: read a config (`.py` through the config language, `.json` whole config or
 * model dict), load a checkpoint file into a built classifier, select the tfjs backend.
 */
import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import { tf } from '../backends/tf';
import { registerNodeWasm } from '../backends/node_wasm_threads';
import { configToJSON, loadConfig } from '../config';
import { NodeFS } from '../config/node_fs';
import { openFileSource } from '../fileio/node';
import { loadCheckpointInto } from './load_checkpoint';
import { buildClassifier } from './builder';
import type { ImageClassifier } from './classifiers/image';
import { formatLoadReport, isCleanLoad, type LoadReport } from './nn/state_dict';

/** Reads a config file: `.py` (mmengine config language, `_base_` resolved) or `.json`. */
export function readConfigFile(path: string, cfgOptions?: string[]): Record<string, unknown> {
  if (path.endsWith('.json')) {
    let cfg: Record<string, unknown>;
    try {
      cfg = JSON.parse(readFileSync(path, 'utf8')) as Record<string, unknown>;
    } catch (e) {
      throw new Error(`${path}: not valid JSON (${e instanceof Error ? e.message : String(e)})`);
    }
    return cfg;
  }
  const { cfg } = loadConfig(path, new NodeFS(), { cfgOptions });
  return configToJSON(cfg) as Record<string, unknown>;
}

/**
 * Selects `wasm` (default) or `cpu` in Node. WASM runs tfjs's threaded build on every core Node may use
 * (`MMPRETRAIN_WEB_WASM_THREADS=1` for one thread; see `backends/node_wasm_threads.ts`).
 */
export async function useBackend(name: string): Promise<void> {
  if (name === 'wasm') await registerNodeWasm();
  else if (name !== 'cpu') throw new Error(`backend '${name}' is not available in Node (use wasm or cpu)`);
  if (!(await tf.setBackend(name))) throw new Error(`could not initialise the ${name} backend`);
  await tf.ready();
}

/** Builds the config's classifier and loads `checkpointPath` (non-strict: the report says what did not match). */
export async function loadClassifier(cfg: Record<string, unknown>, checkpointPath: string | null): Promise<{ model: ImageClassifier; report: LoadReport | null; classes?: string[] }> {
  const model = buildClassifier(cfg, { seed: checkpointPath ? null : 0 });
  if (!checkpointPath) return { model, report: null };
  const { source, close } = await openFileSource(checkpointPath);
  let loaded;
  try {
    loaded = await loadCheckpointInto(model, source, basename(checkpointPath));
  } catch (e) {
    model.dispose();
    throw e;
  } finally {
    await close();
  }
  const { report, checkpoint: ckpt } = loaded;
  if (!isCleanLoad(report) && report.missingKeys.length + report.shapeMismatches.length > 0 && report.missingKeys.length === model.stateDictShapes().size) {
    throw new Error(`${basename(checkpointPath)}: no key matches this model (a checkpoint for another architecture?)\n${formatLoadReport(report)}`);
  }
  return { model, report, classes: ckpt.classes };
}
