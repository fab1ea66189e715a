/**
 * Config sources of the Inference panel, resolved on the page to a plain dict: a shipped model (by name, through
 * the studio's config file system), the studio's current config, or a dropped `.py` (its `_base_` files found in
 * the shipped tree) / `.json` (a whole config or a model dict like the reference `*_cfg.json`).
 */
import { configToJSON, loadConfig, MemoryFS } from '../../../config';
import { modelIndex, setShippedConfigs } from '../../../apis/model';
import { shippedConfigTexts } from '../config/shipped';
import { StudioConfigFS } from '../config/studioFs';
import type { ConfigSource } from './protocol';

let shippedFs: MemoryFS | null = null;
function shipped(): MemoryFS {
  if (!shippedFs) {
    shippedFs = new MemoryFS(shippedConfigTexts());
    setShippedConfigs(shippedFs); // listModels() / getModel(name) on the page see the bundled configs
  }
  return shippedFs;
}

/** name → path of every shipped model (`listModels` order). */
export function shippedModels(): Map<string, string> {
  return new Map([...modelIndex(shipped())].sort(([a], [b]) => (a < b ? -1 : 1)));
}

export function shippedSource(name: string): ConfigSource {
  const path = shippedModels().get(name);
  if (!path) throw new Error(`no shipped model named '${name}'`);
  return { name, dict: configToJSON(loadConfig(path, shipped()).cfg) as Record<string, unknown> };
}

/** A dropped config file's text. */
export function droppedSource(fileName: string, text: string): ConfigSource {
  if (/\.json$/i.test(fileName)) {
    let dict: unknown;
    try {
      dict = JSON.parse(text);
    } catch (e) {
      throw new Error(`${fileName}: not valid JSON (${e instanceof Error ? e.message : String(e)})`);
    }
    if (!dict || typeof dict !== 'object' || Array.isArray(dict)) throw new Error(`${fileName}: expected a config dict (or a model dict with 'type')`);
    return { name: fileName, dict: dict as Record<string, unknown> };
  }
  const fs = new StudioConfigFS(shipped());
  const [path] = fs.addDropped([{ relativePath: fileName, text }]);
  return { name: fileName, dict: configToJSON(loadConfig(path, fs).cfg) as Record<string, unknown> };
}
