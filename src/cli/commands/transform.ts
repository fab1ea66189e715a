/**
 * `transform`: runs a data pipeline (a JSON list of transform dicts, as a config's `train_pipeline`) on one
 * image and writes the result as `.npy`; prints the drawn random parameters in the shape `--params` replays.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { UsageError, type CliCommand, type CliIO } from '../command';
import { encodeNpy, parseNpy, type NpyArray } from '../../fileio/npy';
import { imageFromHWC, type ImageArray, type PixelData } from '../../image/image';
import { Compose, runWithIntermediates, type TransformSpec } from '../../datasets/transforms/compose';
import type { PackedInput } from '../../datasets/transforms/formatting';
import type { Results } from '../../datasets/transforms/base';
import { registerTransforms } from '../../datasets/transforms/register_all';

const usage = `Usage:
  mmpretrain-web transform --pipeline p.json --input in.npy|image --out out.npy [--params drawn.json] [--seed N] [--trace DIR]

  --pipeline  JSON list of transform dicts, e.g. [{"type": "RandomCrop", "crop_size": 32, "padding": 4}, ...]
  --input     HWC uint8 BGR .npy (as LoadImageFromFile gives), or an image file (JPEG/PNG) when the
              pipeline starts with LoadImageFromFile
  --out       .npy of the final img (HWC; HW for one channel), or the packed CHW tensor after PackInputs
  --params    JSON of parameters to replay, keyed by transform type (the printed shape), e.g.
              {"RandomResizedCrop": {"offset_h": 67, "offset_w": 59, "target_h": 398, "target_w": 451},
               "RandomFlip": {"flip": true, "flip_direction": "horizontal"}}
  --seed      seed of the pipeline's generator (default: random)
  --trace     also write the image after every step as DIR/<NN>_<Type>.npy (browse_dataset's pipeline mode)

Prints the drawn parameters as JSON on stdout.`;

function readJson(path: string, what: string): unknown {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw new Error(`cannot read ${what} ${path}: ${e instanceof Error ? e.message : String(e)}`);
  }
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new Error(`${path}: invalid JSON (${e instanceof Error ? e.message : String(e)})`);
  }
}

/** The pipeline's output as a numpy array: packed CHW input(s), else the image (HWC, or HW for one channel). */
export function outputArray(results: Results): NpyArray {
  const packed = results.inputs as PackedInput | PackedInput[] | undefined;
  if (packed) {
    const list = Array.isArray(packed) ? packed : [packed];
    const data = list.length === 1 ? list[0].data : concat(list.map((p) => p.data));
    return { dtype: list[0].dtype, shape: list.length === 1 ? list[0].shape : [list.length, ...list[0].shape], data };
  }
  const img = results.img as ImageArray<PixelData> | ImageArray<PixelData>[] | undefined;
  if (!img) throw new Error(`the pipeline left no 'img' or 'inputs' (keys: ${Object.keys(results).join(', ')})`);
  const list = Array.isArray(img) ? img : [img];
  const shape = list[0].channels === 1 ? [list[0].height, list[0].width] : [list[0].height, list[0].width, list[0].channels];
  const data = list.length === 1 ? list[0].data : concat(list.map((i) => i.data));
  return { dtype: data instanceof Float32Array ? 'float32' : 'uint8', shape: list.length === 1 ? shape : [list.length, ...shape], data };
}

function concat<T extends Uint8Array | Float32Array>(parts: T[]): T {
  const total = parts.reduce((n, p) => n + p.length, 0);
  const out = (parts[0] instanceof Float32Array ? new Float32Array(total) : new Uint8Array(total)) as T;
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

const command: CliCommand = {
  summary: 'run a data pipeline on one image (.npy or image file), write .npy, print/replay drawn parameters',
  usage,
  async run(args: string[], io: CliIO): Promise<number> {
    const { values, positionals } = parseArgs({
      args,
      options: { pipeline: { type: 'string' }, input: { type: 'string' }, out: { type: 'string' }, params: { type: 'string' }, seed: { type: 'string' }, trace: { type: 'string' } },
      allowPositionals: true,
    });
    if (positionals.length) throw new UsageError(`unexpected argument(s): ${positionals.join(' ')}`);
    if (!values.pipeline || !values.input || !values.out) throw new UsageError('--pipeline, --input and --out are required');
    const seed = values.seed === undefined ? null : Number(values.seed);
    if (seed !== null && !Number.isInteger(seed)) throw new UsageError(`--seed must be an integer, got '${values.seed}'`);
    const spec = readJson(values.pipeline, 'pipeline');
    const list = (Array.isArray(spec) ? spec : (spec as { pipeline?: unknown })?.pipeline) as TransformSpec[] | undefined;
    if (!Array.isArray(list)) throw new Error(`${values.pipeline}: expected a JSON list of transform dicts (or {"pipeline": [...]})`);
    const params = values.params ? (readJson(values.params, 'params') as Record<string, unknown>) : undefined;
    if (params !== undefined && (typeof params !== 'object' || params === null || Array.isArray(params))) {
      throw new Error(`${values.params}: expected a JSON object keyed by transform type`);
    }

    registerTransforms();
    const pipeline = new Compose(list, { seed });
    const startsWithLoad = pipeline.transforms[0]?.typeName === 'LoadImageFromFile';
    let results: Results;
    if (values.input.toLowerCase().endsWith('.npy')) {
      if (startsWithLoad) throw new Error(`${values.input}: the pipeline starts with LoadImageFromFile, which needs an image file, not a .npy`);
      const arr = parseNpy(new Uint8Array(readFileSync(values.input)), values.input);
      if (arr.dtype !== 'uint8') throw new Error(`${values.input}: expected a uint8 HWC array, got ${arr.dtype}`);
      const img = imageFromHWC(arr.data as Uint8Array, arr.shape, values.input);
      results = { img, img_shape: [img.height, img.width], ori_shape: [img.height, img.width], img_path: values.input };
    } else {
      if (!startsWithLoad) throw new Error(`${values.input}: an image file needs a pipeline that starts with {"type": "LoadImageFromFile"}`);
      results = { img_path: values.input };
    }
    let out: Results | null;
    if (values.trace) {
      const traced = runWithIntermediates(pipeline, results, { params });
      out = traced.results;
      mkdirSync(values.trace, { recursive: true });
      traced.steps.forEach((step, i) => {
        if (!step.img) return;
        const file = join(values.trace!, `${String(i).padStart(2, '0')}_${step.name}.npy`);
        writeFileSync(file, encodeNpy(outputArray({ img: step.img as Results['img'] })));
      });
      io.err(`wrote ${traced.steps.filter((s) => s.img).length} intermediate images to ${values.trace}`);
    } else {
      out = pipeline.transform(results, { params });
    }
    if (!out) throw new Error('the pipeline dropped the sample (a transform returned None)');
    const arr = outputArray(out);
    writeFileSync(values.out, encodeNpy(arr));
    io.out(JSON.stringify(out.random_params ?? {}));
    io.err(`wrote ${values.out}: ${arr.dtype} (${arr.shape.join(', ')})`);
    return 0;
  },
};

export default command;
