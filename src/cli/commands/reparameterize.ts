/**
 * `mmpretrain-web reparameterize <config> <checkpoint> <save.pth>`: MMPretrain's
 * `tools/model_converters/reparameterize_model.py`. Builds the classifier, loads the training-form checkpoint
 * strictly, merges every re-parameterisable block (RepVGG, MobileOne, RIFormer, RepLKNet, RepMLPNet, LeViT's
 * conv/linear + BN, as `switch_to_deploy`) and saves the deploy-form state dict with the checkpoint's meta, loadable by
 * the config's deploy form (`model.backbone.deploy=True`, e.g. `configs/repvgg/repvgg-A0_deploy_in1k.py`). Before
 * saving it checks that both forms give the same logits on a seeded input.
 */
import { basename, extname } from 'node:path';
import { tf, type Tensor } from '../../backends/tf';
import { plainMeta } from '../../fileio/meta';
import type { TensorData } from '../../fileio/tensor_data';
import { loadCheckpointFile, writeParts } from '../../fileio/node';
import { pthParts } from '../../fileio/pth/pth_writer';
import { formatLoadReport, isCleanLoad } from '../../models/nn/state_dict';
import { readConfigFile, useBackend } from '../../models/node';
import { buildClassifier } from '../../models/builder';
import { isReparameterizable, switchToDeploy } from '../../models/utils/reparam';
import { parseCliArgs, UsageError, type CliCommand } from '../command';

const usage = `Usage: mmpretrain-web reparameterize <config> <checkpoint> <save.pth> [options]

Converts a re-parameterisable classifier (RepVGG, MobileOne, RIFormer, RepLKNet, RepMLPNet, LeViT) from its
training form to its deploy form, as MMPretrain's tools/model_converters/reparameterize_model.py: the saved
checkpoint loads into the config's deploy form (model.backbone.deploy=True; LeViT: head.deploy=True too).

  <config>            MMPretrain config (.py) or JSON (a whole config or a model dict)
  <checkpoint>        the training-form .pth / .safetensors (must match the model exactly)
  <save.pth>          output (.pth or .tar, as MMPretrain's tool requires)
  --shape N,C,H,W     seeded input for the logits check (default 1,3,224,224)
  --tolerance T       largest allowed logit difference, relative to max(1,|logit|) (default 1e-4)
  --backend B         wasm (default) | cpu
  --cfg-options K=V   override config keys (repeatable)`;

function parseShape(s: string): number[] {
  const shape = s.split(',').map((v) => Number(v.trim()));
  if (shape.length !== 4 || shape.some((v) => !Number.isInteger(v) || v <= 0)) throw new UsageError(`--shape must be four positive integers N,C,H,W, got '${s}'`);
  return shape;
}

/** Largest |a-b| / max(1,|b|) over the logits (each element of a tuple of logits). */
function relativeDifference(a: Tensor | Tensor[], b: Tensor | Tensor[]): number {
  const [xs, ys] = [[a].flat(), [b].flat()];
  let worst = 0;
  xs.forEach((x, i) => {
    const [p, q] = [x.dataSync(), ys[i].dataSync()];
    for (let j = 0; j < p.length; j++) worst = Math.max(worst, Math.abs(p[j] - q[j]) / Math.max(1, Math.abs(q[j])));
  });
  return worst;
}

const command: CliCommand = {
  summary: 'convert a re-parameterisable classifier (RepVGG, MobileOne, …) to its deploy form (reparameterize_model.py)',
  usage,
  async run(args, io) {
    const parsed = parseCliArgs({
      args,
      allowPositionals: true,
      options: {
        shape: { type: 'string', default: '1,3,224,224' },
        tolerance: { type: 'string', default: '1e-4' },
        backend: { type: 'string', default: 'wasm' },
        'cfg-options': { type: 'string', multiple: true },
      },
    });
    const { values: o, positionals } = parsed;
    if (positionals.length !== 3) throw new UsageError(`expected <config> <checkpoint> <save.pth>, got ${positionals.length} argument(s)`);
    const [cfgPath, ckptPath, savePath] = positionals;
    if (!['.pth', '.tar'].includes(extname(savePath).toLowerCase())) throw new UsageError(`${savePath}: the output must be a .pth (or .tar) file, as MMPretrain's tool requires`);
    const shape = parseShape(o.shape!);
    const tolerance = Number(o.tolerance);
    if (!(tolerance > 0)) throw new UsageError(`--tolerance must be a positive number, got '${o.tolerance}'`);
    await useBackend(o.backend!);

    const cfg = readConfigFile(cfgPath, o['cfg-options']);
    const ckpt = await loadCheckpointFile(ckptPath, { stateDictOnly: true });
    const model = buildClassifier(cfg, { seed: null });
    let x: Tensor | null = null;
    try {
      if (!model.namedModules().some(([, m]) => isReparameterizable(m))) {
        throw new Error(`${basename(cfgPath)}: ${String((cfg.model as { backbone?: { type?: string } } | undefined)?.backbone?.type ?? 'this model')} has nothing to re-parameterise (no module with switch_to_deploy)`);
      }
      const report = model.loadStateDict(ckpt.stateDict, { strict: false });
      if (!isCleanLoad(report)) throw new Error(`${basename(ckptPath)}: does not match the training form of ${basename(cfgPath)} exactly:\n${formatLoadReport(report)}`);
      model.eval();
      x = tf.randomNormal(shape, 0, 1, 'float32', 0);
      const before = model.call(x);
      switchToDeploy(model);
      const after = model.call(x);
      const diff = relativeDifference(after, before);
      tf.dispose([before, after].flat());
      if (!(diff <= tolerance)) throw new Error(`the deploy form's logits differ from the training form's by ${diff.toExponential(2)} (tolerance ${tolerance}): not saved`);
      const { meta } = ckpt.meta ? plainMeta(ckpt.meta) : { meta: undefined };
      const sd = model.stateDict();
      // Module state entries are float32 / int64 arrays, stored as such.
      const tensors = new Map([...sd].map(([k, v]) => [k, { ...v, originalDtype: v.dtype } as TensorData]));
      const bytes = await writeParts(savePath, pthParts(tensors, meta));
      io.out(`re-parameterised ${basename(ckptPath)}: ${ckpt.stateDict.size} → ${sd.size} tensors, logits within ${diff.toExponential(2)} on (${shape.join(', ')})`);
      io.out(`wrote ${savePath} (${bytes.toLocaleString('en-US')} bytes): load it into the deploy form (model.backbone.deploy=True)`);
      return 0;
    } finally {
      x?.dispose();
      model.dispose();
    }
  },
};

export default command;
