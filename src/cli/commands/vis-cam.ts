/**
 * `mmpretrain-web vis-cam <img|--input-npy x.npy> <config> <checkpoint> [options]`: MMPretrain's
 * `tools/visualization/vis_cam.py` — a class activation map of an image, saved as a blended PNG and/or the
 * scaled maps at feature resolution as `.npy`.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { basename } from 'node:path';
import { parseArgs } from 'node:util';
import { encode as encodePng } from 'fast-png';
import { tf, type Tensor } from '../../backends/tf';
import { registerTrainingKernels } from '../../engine/kernels/register_training_kernels';
import { encodeNpy, parseNpy } from '../../fileio';
import { loadClassifier, readConfigFile, useBackend } from '../../models/node';
import { formatLoadReport, isCleanLoad } from '../../models/nn/state_dict';
import { camOverlayRGB, modelInputOf, prepareCamSample, testPipelineOf } from '../../tools/visualization/vis_cam';
import { CAM_METHODS, computeCams, methodFileName, moduleTree, parseCamMethod, targetLayersOf, type CamResult } from '../../visualization/cam';
import { showCamOnImage } from '../../visualization/cam/image_ops';
import { UsageError, type CliCommand } from '../command';

const usage = `Usage: mmpretrain-web vis-cam <img | --input-npy x.npy> <config> <checkpoint> [options]

Class activation maps as MMPretrain's tools/visualization/vis_cam.py (pytorch-grad-cam 1.4 formulas).

  <img>                  image file, run through the config's test pipeline
  --input-npy x.npy      an NCHW float32 model input fed as is (instead of <img>)
  <config>               MMPretrain config (.py) or JSON (whole config, or a model dict like *_cfg.json)
  <checkpoint>           .pth or .safetensors
  --method M             ${CAM_METHODS.join(', ')} (any case) or 'all' (default GradCAM)
  --target-layers L      module names (repeat or comma-separate): backbone.layer4, backbone.layers[-1].ln1;
                         default: the last norm layer of the backbone (vit-like: before the last attention)
  --target-category N    target class (repeatable: one per image); default: the predicted class
  --vit-like             token outputs (N, L, C) are reshaped to a square map
  --num-extra-tokens N   extra tokens to drop (default: the backbone's num_extra_tokens)
  --eigen-smooth         first principal component of the weighted activations
  --aug-smooth           test-time augmentation (flips x [0.9, 1, 1.1] intensity), averaged
  --save-path out.png    blended image (with --method all: out_<method>.png each)
  --out-npy cam.npy      scaled maps at feature resolution (N x h x w), one file per target layer
                         (cam_<layer>.npy when several; --method all: cam_<method>.npy each)
  --alpha A              heat-map weight of the blend (default 0.5, as show_cam_on_image)
  --preview-model        print the module tree and exit
  --backend B            wasm (default) | cpu   (--device is accepted for vis_cam compatibility)
  --cfg-options K=V      override config keys (repeatable)`;

/** vis_cam's `nargs='+'` options: `--target-layers a b` as well as repeated flags or commas. */
const NARGS = new Set(['--target-layers', '--target-category']);

/**
 * Rewrites `--target-layers a b c` into `--target-layers a --target-layers b …` as argparse's `nargs='+'` reads it,
 * leaving the last tokens to the positionals when they would otherwise be short of `positionalsWanted(args)`.
 */
export function expandNargs(args: string[]): string[] {
  const groups: { flag: string; values: string[] }[] = [];
  const rest: (string | { group: number })[] = [];
  const takesValue = (a: string) => /^--(?!target-layers|target-category)[\w-]+$/.test(a) && !BOOLEAN_FLAGS.has(a);
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    if (NARGS.has(a)) {
      const values: string[] = [];
      while (i + 1 < args.length && !args[i + 1].startsWith('--')) values.push(args[++i]);
      groups.push({ flag: a, values });
      rest.push({ group: groups.length - 1 });
    } else {
      rest.push(a);
      if (takesValue(a) && i + 1 < args.length) rest.push(args[++i]);
    }
  }
  // positionals outside the groups
  let positionals = 0;
  for (let i = 0; i < rest.length; i++) {
    const r = rest[i];
    if (typeof r !== 'string') continue;
    if (r.startsWith('--')) {
      if (takesValue(r)) i++;
      continue;
    }
    positionals++;
  }
  const wanted = args.includes('--input-npy') || args.some((a) => a.startsWith('--input-npy=')) ? 2 : 3;
  const out: string[] = [];
  const returned: string[] = [];
  for (let gi = groups.length - 1; gi >= 0 && positionals + returned.length < wanted; gi--) {
    const g = groups[gi];
    while (g.values.length > 1 && positionals + returned.length < wanted) returned.unshift(g.values.pop()!);
  }
  for (const r of rest) {
    if (typeof r === 'string') out.push(r);
    else for (const v of groups[r.group].values) out.push(groups[r.group].flag, v);
  }
  return [...out, ...returned];
}

const BOOLEAN_FLAGS = new Set(['--vit-like', '--eigen-smooth', '--aug-smooth', '--preview-model', '--help']);

/** Values of a repeatable option, each also split on commas and spaces. */
function listOption(v: string[] | undefined): string[] {
  return (v ?? []).flatMap((s) => s.split(/[\s,]+/)).filter(Boolean);
}

function withSuffix(path: string, ext: string, parts: string[]): string {
  const stem = path.endsWith(ext) ? path.slice(0, -ext.length) : path;
  return `${[stem, ...parts].join('_')}${ext}`;
}

/** A displayable image of an NCHW model input (min-max per image) for --input-npy with --save-path. */
function inputAsImage(x: Float32Array, c: number, h: number, w: number): Float32Array {
  let min = Infinity;
  let max = -Infinity;
  for (let i = 0; i < c * h * w; i++) {
    min = Math.min(min, x[i]);
    max = Math.max(max, x[i]);
  }
  const out = new Float32Array(h * w * 3);
  for (let p = 0; p < h * w; p++) for (let k = 0; k < 3; k++) out[p * 3 + k] = (x[(c === 1 ? 0 : k) * h * w + p] - min) / (max - min || 1);
  return out;
}

const command: CliCommand = {
  summary: 'Class activation maps (GradCAM & co.) of an image: blended PNG and .npy maps (vis_cam.py)',
  usage,
  async run(args, io) {
    const { values, positionals } = parseArgs({
      args: expandNargs(args),
      allowPositionals: true,
      options: {
        'input-npy': { type: 'string' },
        method: { type: 'string', default: 'GradCAM' },
        'target-layers': { type: 'string', multiple: true },
        'target-category': { type: 'string', multiple: true },
        'vit-like': { type: 'boolean', default: false },
        'num-extra-tokens': { type: 'string' },
        'eigen-smooth': { type: 'boolean', default: false },
        'aug-smooth': { type: 'boolean', default: false },
        'save-path': { type: 'string' },
        'out-npy': { type: 'string' },
        alpha: { type: 'string', default: '0.5' },
        'preview-model': { type: 'boolean', default: false },
        backend: { type: 'string', default: 'wasm' },
        device: { type: 'string' },
        'cfg-options': { type: 'string', multiple: true },
      },
    });
    const npyInput = values['input-npy'];
    const want = npyInput ? 2 : 3;
    if (positionals.length !== want) throw new UsageError(npyInput ? 'expected <config> <checkpoint> with --input-npy' : 'expected <img> <config> <checkpoint>');
    const [imgPath, cfgPath, ckptPath] = (npyInput ? [null, ...positionals] : positionals) as [string | null, string, string];
    const methods = values.method!.toLowerCase() === 'all' ? [...CAM_METHODS] : [parseCamMethod(values.method!)];
    const categories = listOption(values['target-category']).map((s) => {
      const n = Number(s);
      if (!Number.isInteger(n) || n < 0) throw new UsageError(`--target-category must be a class index, got '${s}'`);
      return n;
    });
    const extra = values['num-extra-tokens'] === undefined ? null : Number(values['num-extra-tokens']);
    if (extra !== null && (!Number.isInteger(extra) || extra < 0)) throw new UsageError(`--num-extra-tokens must be a count, got '${values['num-extra-tokens']}'`);
    const alpha = Number(values.alpha);
    if (!(alpha >= 0 && alpha <= 1)) throw new UsageError(`--alpha must be in [0, 1], got '${values.alpha}'`);

    if (values.device && values.device !== 'cpu') io.err(`note: --device ${values.device} is PyTorch's; tfjs runs on --backend ${values.backend}`);
    await useBackend(values.backend!);
    registerTrainingKernels(values.backend!);
    const cfg = readConfigFile(cfgPath, values['cfg-options']);
    const { model, report, classes } = await loadClassifier(cfg, ckptPath === 'none' ? null : ckptPath);
    if (report && !isCleanLoad(report)) io.err(`warning: checkpoint does not match the model exactly:\n${formatLoadReport(report)}`);
    model.eval();
    if (values['preview-model']) {
      io.out(model.toString());
      io.out(moduleTree(model).map((r) => `${'  '.repeat(r.depth)}${r.name}: ${r.type}${r.isNorm ? ' (norm)' : ''}`).join('\n'));
      io.out('\n Please remove `--preview-model` to get the CAM.');
      model.dispose();
      return 0;
    }

    let x: Tensor;
    let display: ((r: CamResult) => Uint8Array) | null = null;
    if (npyInput) {
      const arr = parseNpy(new Uint8Array(readFileSync(npyInput)), npyInput);
      if (arr.shape.length !== 4 || arr.dtype !== 'float32') throw new Error(`${npyInput}: expected an NCHW float32 array, got ${arr.dtype} (${arr.shape.join(', ')})`);
      x = tf.tensor(arr.data as Float32Array, arr.shape, 'float32');
      const [, c, h, w] = arr.shape;
      display = (r) => {
        const img = inputAsImage(arr.data as Float32Array, c, h, w);
        const bgr = showCamOnImage(img, r.grayscale.subarray(0, h * w), { imageWeight: 1 - alpha, channelOrder: 'rgb' });
        return bgr;
      };
    } else {
      const { pipeline, fromConfig } = testPipelineOf(cfg);
      if (!fromConfig) io.err(`note: ${basename(cfgPath)} has no test pipeline; using ${JSON.stringify(pipeline)}`);
      const sample = await prepareCamSample(pipeline, new Uint8Array(readFileSync(imgPath!)), imgPath!);
      x = modelInputOf(model, sample.packed);
      display = (r) => camOverlayRGB(sample.packed, r.grayscale.subarray(0, r.inputHeight * r.inputWidth), alpha);
    }

    const opts = {
      targetLayers: listOption(values['target-layers']),
      targetCategory: categories.length ? categories : null,
      eigenSmooth: values['eigen-smooth'],
      augSmooth: values['aug-smooth'],
      vitLike: values['vit-like'],
      numExtraTokens: extra || null, // vis_cam's `args.num_extra_tokens or getattr(...)`: 0 means the default
    };
    const layers = targetLayersOf(model, opts);
    if (!opts.targetLayers.length) io.out(`Automatically choose the last norm layer${opts.vitLike ? ' before the final attention block' : ''} "${layers[0].name}" as the target layer.`);
    const t0 = performance.now();
    const results = await computeCams(model, x, methods, { ...opts, targetLayers: layers.map((l) => l.name) });
    const ms = performance.now() - t0;
    const cats = results[0].categories;
    io.out(`target categories: ${cats.map((c) => (classes?.[c] ? `${c} (${classes[c]})` : String(c))).join(', ')}`);
    for (const r of results) {
      const tag = methods.length > 1 ? [methodFileName(r.method)] : [];
      if (values['out-npy']) {
        for (const l of r.layers) {
          const path = withSuffix(values['out-npy'], '.npy', [...tag, ...(r.layers.length > 1 ? [l.name] : [])]);
          writeFileSync(path, encodeNpy({ dtype: 'float32', shape: [l.maps.length / (l.height * l.width), l.height, l.width], data: l.maps }));
          io.out(`${path}: ${r.method} at ${l.name}, shape (${l.maps.length / (l.height * l.width)}, ${l.height}, ${l.width})`);
        }
      }
      if (values['save-path'] && display) {
        const path = withSuffix(values['save-path'], '.png', tag);
        writeFileSync(path, encodePng({ width: r.inputWidth, height: r.inputHeight, data: display(r), channels: 3, depth: 8 }));
        io.out(`${path}: ${r.method} blended over the input (${r.inputWidth}x${r.inputHeight})`);
      }
    }
    io.out(`${methods.length} method(s) on ${tf.getBackend()}: ${ms.toFixed(0)} ms`);
    x.dispose();
    model.dispose();
    return 0;
  },
};

export default command;
