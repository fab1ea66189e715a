/**
 * `mmpretrain-web get-flops <config> [--shape H [W]] [--json]`: FLOPs, parameters and activations of a
 * classifier's `extract_feat` with the per-module table, as MMPretrain's `tools/analysis_tools/get_flops.py`.
 */
import { parseArgs } from 'node:util';
import { getModelComplexityInfo } from '../../models/analysis/complexity';
import { buildClassifier } from '../../models/builder';
import { readConfigFile, useBackend } from '../../models/node';
import { UsageError, type CliCommand } from '../command';

const usage = `Usage: mmpretrain-web get-flops <config.py|cfg.json> [--shape H [W]] [--json] [--backend wasm|cpu]

Counts FLOPs (one multiply-add = 1), parameters and activations as mmengine's get_model_complexity_info:
the backbone and neck run once on a (1, 3, H, W) input (default 224×224).

  --shape H [W]      input size (one value: square)
  --cfg-options K=V  override config keys (repeatable)
  --json             machine-readable totals and per-module statistics`;

const command: CliCommand = {
  summary: 'FLOPs, parameters and activations per module (tools/analysis_tools/get_flops.py)',
  usage,
  async run(args, io) {
    const { values, positionals } = parseArgs({
      args,
      allowPositionals: true,
      options: {
        shape: { type: 'string', multiple: true },
        json: { type: 'boolean', default: false },
        backend: { type: 'string', default: 'wasm' },
        'cfg-options': { type: 'string', multiple: true },
      },
    });
    // `--shape 224 256`: parseArgs keeps the second number as a positional.
    const shapeVals = [...(values.shape ?? [])];
    const rest = [...positionals];
    if (values.shape && rest.length > 1 && /^\d+$/.test(rest[rest.length - 1])) shapeVals.push(rest.pop()!);
    if (rest.length !== 1) throw new UsageError('expected one <config>');
    const dims = shapeVals.length ? shapeVals.map(Number) : [224, 224];
    if (dims.length > 2 || dims.some((d) => !Number.isInteger(d) || d <= 0)) throw new UsageError('invalid input shape');
    const inputShape: [number, number, number] = dims.length === 1 ? [3, dims[0], dims[0]] : [3, dims[0], dims[1]];
    await useBackend(values.backend!);
    const model = buildClassifier(readConfigFile(rest[0], values['cfg-options']), { seed: null });
    const info = getModelComplexityInfo(model, inputShape);
    if (values.json) {
      const perModule = info.stats.order
        .filter((n) => !info.stats.paramShapes.has(n))
        .map((n) => ({ module: n || 'model', params: info.stats.params.get(n) ?? 0, flops: info.stats.flops.get(n) ?? null, activations: info.stats.activations.get(n) ?? null }));
      io.out(JSON.stringify({ input_shape: inputShape, flops: info.flops, params: info.params, activations: info.activations, flops_str: info.flopsStr, params_str: info.paramsStr, activations_str: info.activationsStr, modules: perModule }, null, 2));
    } else {
      const split = '='.repeat(30);
      io.out(info.outTable);
      io.out(`${split}\nInput shape: (${inputShape.join(', ')})\nFlops: ${info.flopsStr}\nParams: ${info.paramsStr}\nActivation: ${info.activationsStr}\n${split}`);
      io.out('!!!Only the backbone network is counted in FLOPs analysis.');
      io.out('!!!Please be cautious if you use the results in papers. You may need to check if all ops are supported and verify that the flops computation is correct.');
    }
    model.dispose();
    return 0;
  },
};

export default command;
