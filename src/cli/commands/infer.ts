/**
 * `mmpretrain-web infer <config> <checkpoint> <image…> [--topk 5] [--json]`: MMPretrain's `demo/image_demo.py` /
 * `inference_model` — each image through the config's test pipeline, the top-k classes with their scores.
 */
import { readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { parseArgs } from 'node:util';
import { ImageClassificationInferencer, initModel, topk, type ClassificationResult, type InferenceModel } from '../../apis';
import { REPO_ROOT, shippedConfigsFS } from '../../apis/node';
import { RELEASED_WEIGHTS, releasedWeightsOf } from '../../apis/released';
import { getModel } from '../../apis/model';
import { tf } from '../../backends/tf';
import { NodeFS } from '../../config/node_fs';
import { formatLoadReport, isCleanLoad } from '../../models/nn/state_dict';
import { useBackend } from '../../models/node';
import { UsageError, type CliCommand, type CliIO } from '../command';

const usage = `Usage: mmpretrain-web infer <config|model-name> <checkpoint|none> <image...> [options]

Classifies images as MMPretrain's inference_model: each image through the config's test pipeline
(test_dataloader.dataset.pipeline), the data preprocessor and the model; prints the top-k classes.

  <config>           MMPretrain config (.py), JSON (whole config or a model dict like *_cfg.json),
                     or the name of a shipped model (list-models: see --list)
  <checkpoint>       .pth or .safetensors ('none': init_cfg weights, seed 0; 'released': the shipped
                     model's released weights, e.g. infer lenet5_1xb32-sgd-coslr-3e_fashion-mnist released img.png)
  <image...>         image files (JPEG, PNG, BMP, ...)
  --topk K           classes shown per image (default 5)
  --batch-size N     images per forward pass (default 1)
  --json             one JSON object: per image pred_label, pred_score, pred_class, topk, pred_scores
  --backend B        wasm (default) | cpu
  --fuse-conv-bn     fold BatchNorm into convolutions first
  --cfg-options K=V  override config keys (repeatable)
  --list [PATTERN]   list the model names (MMPretrain list_models; list-models shows more) and exit`;

/** Loads the model from a config file, or a shipped model name. */
async function loadModel(cfgArg: string, ckptArg: string, opts: { cfgOptions?: string[]; fuse: boolean }): Promise<InferenceModel> {
  let ckptPath: string | null = ckptArg === 'none' ? null : ckptArg;
  if (ckptArg === 'released') {
    const released = releasedWeightsOf(cfgArg);
    if (!released) throw new Error(`'released': no released weights for '${cfgArg}' (models with weights: ${Object.keys(RELEASED_WEIGHTS).join(', ')})`);
    ckptPath = join(REPO_ROOT, 'public', released.path);
  }
  const checkpoint = ckptPath === null ? null : { data: new Uint8Array(readFileSync(ckptPath)), name: basename(ckptPath) };
  const common = { cfgOptions: opts.cfgOptions, fuse_conv_bn: opts.fuse };
  if (/\.(py|json)$/.test(cfgArg)) return initModel(cfgArg, checkpoint, { ...common, fs: new NodeFS(), name: basename(cfgArg).replace(/\.(py|json)$/, '') });
  return getModel(cfgArg, { ...common, pretrained: checkpoint, fs: shippedConfigsFS() });
}

function formatResult(name: string, r: ClassificationResult, k: number, classes: string[] | null): string {
  const rows = topk(r.pred_scores, k, classes).map((t, i) => `  ${i + 1}. ${t.score.toFixed(4)}  ${t.label}${t.name !== undefined ? `  ${t.name}` : ''}`);
  return `${name}\n${rows.join('\n')}`;
}

/** A positive integer option (`--topk`, `--batch-size`), else a usage error. */
export function positiveInt(value: string, flag: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new UsageError(`${flag} must be a positive integer, got '${value}'`);
  return n;
}

/** Options of {@link classifyImages}. */
export interface ClassifyOptions {
  /** Classes shown per image. */
  k: number;
  /** Images per forward pass. */
  batch: number;
  /** One JSON object instead of text. */
  json: boolean;
}

/**
 * Classifies image files with a loaded model and prints the top-k (text or `--json`), with notes on stderr for a
 * partial checkpoint, init weights or a missing test pipeline; disposes the model. Shared by `infer` and `inference`.
 */
export async function classifyImages(m: InferenceModel, cfgArg: string, imagePaths: string[], { k, batch, json }: ClassifyOptions, io: CliIO): Promise<void> {
  if (m.loadReport && !isCleanLoad(m.loadReport)) io.err(`warning: checkpoint does not match the model exactly:\n${formatLoadReport(m.loadReport)}`);
  if (!m.loadReport) io.err('note: no checkpoint: init_cfg weights (seed 0)');
  try {
    const inferencer = new ImageClassificationInferencer(m);
    if (!inferencer.pipelineFromConfig) io.err(`note: ${cfgArg} has no test pipeline; using ${JSON.stringify(inferencer.pipelineCfg)}`);
    const images = imagePaths.map((p) => {
      try {
        return { bytes: new Uint8Array(readFileSync(p)), name: p };
      } catch (e) {
        throw new Error(`${p}: cannot read (${e instanceof Error ? e.message : String(e)})`);
      }
    });
    const t0 = performance.now();
    const results = await inferencer.call(images, { batch_size: batch });
    const ms = (performance.now() - t0) / images.length;
    const classes = inferencer.classes;
    if (json) {
      const out = results.map((r, i) => ({
        image: imagePaths[i],
        pred_label: r.pred_label,
        pred_score: r.pred_score,
        ...(r.pred_class !== undefined ? { pred_class: r.pred_class } : {}),
        topk: topk(r.pred_scores, k, classes).map((t) => ({ label: t.label, score: t.score, ...(t.name !== undefined ? { class: t.name } : {}) })),
        pred_scores: Array.from(r.pred_scores),
      }));
      io.out(JSON.stringify({ model: m.name, checkpoint: m.checkpoint?.name ?? null, backend: tf.getBackend(), classes_source: m.classesNote, ms_per_image: ms, results: out }, null, 2));
    } else {
      io.out(results.map((r, i) => formatResult(imagePaths[i], r, k, classes)).join('\n'));
      io.out(`(${m.classesNote}; ${ms.toFixed(1)} ms/image on ${tf.getBackend()})`);
    }
  } finally {
    m.model.dispose();
  }
}

const command: CliCommand = {
  summary: 'Classify images: top-k classes and scores (inference_model / image_demo.py)',
  usage,
  async run(args, io) {
    const { values, positionals } = parseArgs({
      args,
      allowPositionals: true,
      options: {
        topk: { type: 'string', default: '5' },
        'batch-size': { type: 'string', default: '1' },
        json: { type: 'boolean', default: false },
        backend: { type: 'string', default: 'wasm' },
        'fuse-conv-bn': { type: 'boolean', default: false },
        'cfg-options': { type: 'string', multiple: true },
        list: { type: 'boolean', default: false },
      },
    });
    if (values.list) {
      const { listModels } = await import('../../apis/model');
      io.out(listModels(positionals[0] ?? null).join('\n'));
      return 0;
    }
    if (positionals.length < 3) throw new UsageError('expected <config> <checkpoint> and at least one <image>');
    const k = positiveInt(values.topk!, '--topk');
    const batch = positiveInt(values['batch-size']!, '--batch-size');
    const [cfgArg, ckptArg, ...imagePaths] = positionals;

    await useBackend(values.backend!);
    const m = await loadModel(cfgArg, ckptArg, { cfgOptions: values['cfg-options'], fuse: values['fuse-conv-bn']! });
    await classifyImages(m, cfgArg, imagePaths, { k, batch, json: values.json! }, io);
    return 0;
  },
};

export default command;
