/**
 * `mmpretrain-web inference NAME_OR_CONFIG IMAGE... [--checkpoint F] [--hub URL] [--cache DIR] [--topk K] [--json]`:
 * MMPretrain's `inference_model(model, img)` starting from a model name, as `mmpretrain.inference_model(
 * 'resnet50_8xb32_in1k', 'demo.JPEG')` does: the name's released weights come through the checkpoint cache
 * (downloaded once, from the metafile's host or `--hub`), unless `--checkpoint` gives a file. A config path
 * (`.py` / `.json`) uses `--checkpoint`, or init_cfg weights without it. Unknown names suggest the closest ones.
 */
import { basename, join } from 'node:path';
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { getModel, initModel, type CheckpointArg, type InferenceModel } from '../../apis/model';
import { hasModel } from '../../apis/model_hub';
import { REPO_ROOT, shippedConfigsFS } from '../../apis/node';
import { releasedWeightsOf } from '../../apis/released';
import { NodeFS } from '../../config/node_fs';
import { useBackend } from '../../models/node';
import { UsageError, type CliCommand, type CliIO } from '../command';
import { fetchCheckpoint, HUB_OPTIONS, HUB_USAGE, hubOptions } from './download';
import { classifyImages, positiveInt } from './infer';

const usage = `Usage: mmpretrain-web inference NAME_OR_CONFIG IMAGE... [options]

MMPretrain's inference_model from a model name (list-models lists them) or a config file: each image through the
config's test pipeline and the model; prints the top-k classes. A model name's released weights are downloaded
into the checkpoint cache once (sha256 checked, resumable) and read from there afterwards.

  NAME_OR_CONFIG       a model name of the index, a shipped config's name, or a config file (.py / .json)
  IMAGE...             image files (JPEG, PNG, BMP, ...)
  --checkpoint F       .pth / .safetensors to use instead of the released weights (a config file: else init_cfg
                       weights, seed 0)
${HUB_USAGE}
  --topk K             classes shown per image (default 5)
  --batch-size N       images per forward pass (default 1)
  --json               one JSON object: per image pred_label, pred_score, pred_class, topk, pred_scores
  --backend B          wasm (default) | cpu
  --cfg-options K=V    override config keys (repeatable)`;

function readCheckpoint(path: string): CheckpointArg {
  try {
    return { data: new Uint8Array(readFileSync(path)), name: basename(path) };
  } catch (e) {
    throw new Error(`--checkpoint ${path}: cannot read (${e instanceof Error ? e.message : String(e)})`);
  }
}

const command: CliCommand = {
  summary: 'Classify images with a model by name, its weights downloaded once into the cache (inference_model)',
  usage,
  async run(args, io: CliIO) {
    const { values, positionals } = parseArgs({
      args,
      allowPositionals: true,
      options: {
        ...HUB_OPTIONS,
        checkpoint: { type: 'string' },
        topk: { type: 'string', default: '5' },
        'batch-size': { type: 'string', default: '1' },
        json: { type: 'boolean', default: false },
        backend: { type: 'string', default: 'wasm' },
        'cfg-options': { type: 'string', multiple: true },
      },
    });
    if (positionals.length < 2) throw new UsageError('expected NAME_OR_CONFIG and at least one IMAGE');
    const k = positiveInt(values.topk!, '--topk');
    const batch = positiveInt(values['batch-size']!, '--batch-size');
    const [target, ...images] = positionals;
    const { store, opts } = hubOptions(values);
    const common = { cfgOptions: values['cfg-options'] };
    const given = values.checkpoint ? readCheckpoint(values.checkpoint) : null;

    await useBackend(values.backend!);
    let m: InferenceModel;
    if (/\.(py|json)$/.test(target)) {
      m = await initModel(target, given, { ...common, fs: new NodeFS(), name: basename(target).replace(/\.(py|json)$/, '') });
    } else if (given || !hasModel(target)) {
      // a shipped config's name (not in the index): its released weights from public/, when it has them
      const released = given ? null : releasedWeightsOf(target);
      const pretrained = given ?? (released ? readCheckpoint(join(REPO_ROOT, 'public', released.path)) : null);
      m = await getModel(target, { ...common, pretrained, fs: shippedConfigsFS() });
    } else {
      const ckpt = await fetchCheckpoint(target, store, opts, io);
      m = await getModel(target, { ...common, pretrained: ckpt.checkpoint, fs: shippedConfigsFS() });
    }
    await classifyImages(m, target, images, { k, batch, json: values.json! }, io);
    return 0;
  },
};

export default command;
