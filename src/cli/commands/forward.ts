/**
 * `mmpretrain-web forward <config.py|cfg.json> <checkpoint> --input x.npy [--from-uint8] [--stage ...] --out y.npy`:
 * runs a classifier on an NCHW `.npy` batch and writes the requested output (tuples as `y_0.npy`, `y_1.npy`, …).
 */
import { writeFileSync } from 'node:fs';
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { tf, type Tensor } from '../../backends/tf';
import { encodeNpy, parseNpy } from '../../fileio';
import { formatLoadReport, isCleanLoad } from '../../models/nn/state_dict';
import { fuseConvBn } from '../../models/utils/fuse_conv_bn';
import { loadClassifier, readConfigFile, useBackend } from '../../models/node';
import { UsageError, type CliCommand } from '../command';

const STAGES = ['backbone', 'neck', 'pre_logits', 'logits'] as const;

const usage = `Usage: mmpretrain-web forward <config.py|cfg.json> <checkpoint> --input x.npy --out y.npy [options]

Runs an MMPretrain classifier (as model(x) in PyTorch, eval mode) and writes the output as .npy.

  <config>            an MMPretrain config (.py) or JSON: a whole config or a model dict with data_preprocessor
  <checkpoint>        .pth or .safetensors with MMPretrain key names ('none' for init_cfg weights, seed 0)
  --input x.npy       NCHW float32 batch fed to the model directly
  --from-uint8        the input is a uint8 (or any dtype) NCHW image batch: run the data preprocessor first
  --stage S           backbone | neck | pre_logits | logits (default logits); tuples → y_0.npy, y_1.npy, …
                      (logits too, for heads returning two, such as ConformerHead)
  --out y.npy         output file
  --backend B         wasm (default) | cpu
  --fuse-conv-bn      fold BatchNorm into convolutions first (as MMPretrain's --fuse-conv-bn)
  --cfg-options K=V   override config keys (repeatable)
  --strict            fail unless the checkpoint matches the model exactly`;

/** A tuple stage (backbone, neck, a two-classifier head's logits) writes `<stem>_<i>.npy` per element, even for a 1-tuple; a tensor writes `out`. */
function outPaths(out: string, n: number, tuple: boolean): string[] {
  if (!tuple) return [out];
  const stem = out.endsWith('.npy') ? out.slice(0, -4) : out;
  return Array.from({ length: n }, (_, i) => `${stem}_${i}.npy`);
}

const command: CliCommand = {
  summary: 'Run a classifier on a .npy batch and save logits / features (.npy)',
  usage,
  async run(args, io) {
    const { values, positionals } = parseArgs({
      args,
      allowPositionals: true,
      options: {
        input: { type: 'string' },
        out: { type: 'string' },
        'from-uint8': { type: 'boolean', default: false },
        stage: { type: 'string', default: 'logits' },
        backend: { type: 'string', default: 'wasm' },
        'fuse-conv-bn': { type: 'boolean', default: false },
        'cfg-options': { type: 'string', multiple: true },
        strict: { type: 'boolean', default: false },
      },
    });
    if (positionals.length !== 2) throw new UsageError('expected <config> and <checkpoint>');
    if (!values.input || !values.out) throw new UsageError('--input and --out are required');
    const stage = values.stage as (typeof STAGES)[number];
    if (!STAGES.includes(stage)) throw new UsageError(`--stage must be one of ${STAGES.join(', ')}, got '${values.stage}'`);
    await useBackend(values.backend!);

    const [cfgPath, ckptPath] = positionals;
    const cfg = readConfigFile(cfgPath, values['cfg-options']);
    const { model, report } = await loadClassifier(cfg, ckptPath === 'none' ? null : ckptPath);
    if (report && !isCleanLoad(report)) {
      if (values.strict) throw new Error(`checkpoint does not match the model:\n${formatLoadReport(report)}`);
      io.err(`warning: checkpoint does not match the model exactly:\n${formatLoadReport(report)}`);
    }
    model.eval();
    if (values['fuse-conv-bn']) fuseConvBn(model);

    const arr = parseNpy(new Uint8Array(readFileSync(values.input)), values.input);
    if (arr.shape.length !== 4) throw new Error(`${values.input}: expected an NCHW array, got shape (${arr.shape.join(', ')})`);
    const data = arr.dtype === 'int64' ? Float32Array.from(arr.data as BigInt64Array, Number) : arr.dtype === 'float16' ? null : Float32Array.from(arr.data as ArrayLike<number>);
    if (!data) throw new Error(`${values.input}: float16 input is not supported; save float32`);
    let x: Tensor = tf.tensor(data, arr.shape, 'float32');
    if (values['from-uint8']) {
      const pre = model.dataPreprocessor.forward({ inputs: x }).inputs;
      x.dispose();
      x = pre;
    } else if (arr.dtype === 'uint8') {
      io.err('warning: the input is uint8 but --from-uint8 is not set: feeding raw pixel values to the model');
    }
    const t0 = performance.now();
    const logits = stage === 'logits' ? model.call(x) : null;
    const outs: Tensor[] = stage === 'logits' ? [logits!].flat() : stage === 'pre_logits' ? [model.extractFeat(x, 'pre_logits')] : model.extractFeat(x, stage);
    const ms = performance.now() - t0;
    // Heads with two classifiers (ConformerHead's conv and transformer logits) return a tuple, as MMPretrain's mode='tensor'.
    const tuple = stage === 'backbone' || stage === 'neck' || Array.isArray(logits);
    const paths = outPaths(values.out, outs.length, tuple);
    outs.forEach((t, i) => {
      writeFileSync(paths[i], encodeNpy({ dtype: 'float32', shape: [...t.shape], data: t.dataSync() as Float32Array }));
      io.out(`${paths[i]}: ${stage}${tuple ? `[${i}]` : ''} shape (${t.shape.join(', ')})`);
    });
    io.out(`forward on ${tf.getBackend()}: ${ms.toFixed(1)} ms for batch ${arr.shape[0]}`);
    tf.dispose([x, ...outs]);
    model.dispose();
    return 0;
  },
};

export default command;
