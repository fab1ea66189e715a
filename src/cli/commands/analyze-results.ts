/**
 * `analyze-results`: MMPretrain `tools/analysis_tools/analyze_results.py` — the most confident successes and
 * failures of `test --out results.json`, drawn with their ground truth and prediction into
 * `<out-dir>/success/` and `<out-dir>/fail/` (PNG per sample + `success.json` / `fail.json`), and the confusion
 * matrix as `<out-dir>/confusion_matrix.json`.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, parse } from 'node:path';
import { parseCliArgs, UsageError, type CliCommand, type CliIO } from '../command';
import { loadConfig } from '../../config';
import { NodeFS } from '../../config/node_fs';
import { DATASETS } from '../../registry';
import { registerDatasets } from '../../datasets/register_all';
import { registerTransforms } from '../../datasets/transforms/register_all';
import { phaseDatasetConfig, stripPipelines } from '../../datasets/verify_dataset';
import { fileSystem } from '../../fileio/sources';
import type { Dataset } from '../../datasets/types';
import { confusionAnalysis, drawResult, parseResults, selectResults, type PredictedSample, type ResultImageSource } from '../../tools/analysis_tools/analyze_results';
import { expandCfgOptions, positiveNumber, rgbaToPng } from './browse-dataset';

const usage = `Usage:
  mmpretrain-web analyze-results <config> <results.json> --out-dir DIR [--topk N] [-r FACTOR]
                 [--order most|least] [--per-class] [--cfg-options key=value ...]

  results.json      the predicted samples 'test --out results.json' writes (pred_score, pred_label, gt_label)
  --out-dir         where success/ and fail/ (PNG per sample + success.json / fail.json) and
                    confusion_matrix.json go
  --topk            how many successes and failures (default 20; per class with --per-class)
  -r, --rescale-factor  scale the images (mmcv.imrescale) before drawing
  --order           most confident first (default) or least (what MMPretrain 1.x's script sorts)
Images come from the config's test_dataloader.dataset (built without its pipeline).`;

async function saveGroup(dir: string, folder: string, samples: PredictedSample[], src: ResultImageSource, rescale: number | undefined): Promise<void> {
  const full = join(dir, folder);
  mkdirSync(full, { recursive: true });
  const used = new Set<string>();
  for (const s of samples) {
    const { frame, name } = await drawResult(src, s, rescale);
    let file = `${parse(name).name || name}.png`;
    if (used.has(file)) file = `${parse(name).name}_${s.sample_idx}.png`;
    used.add(file);
    writeFileSync(join(full, file), rgbaToPng(frame));
  }
  const dump = samples.map(({ confidence: _c, ...rest }) => rest);
  writeFileSync(join(full, `${folder}.json`), JSON.stringify(dump));
}

const command: CliCommand = {
  summary: 'draw the most confident successes and failures of test results (tools/analysis_tools/analyze_results.py)',
  usage,
  async run(args: string[], io: CliIO): Promise<number> {
    const parsed = parseCliArgs({
      args: expandCfgOptions(args),
      allowPositionals: true,
      options: {
        'out-dir': { type: 'string' },
        topk: { type: 'string', default: '20' },
        'rescale-factor': { type: 'string', short: 'r' },
        order: { type: 'string', default: 'most' },
        'per-class': { type: 'boolean', default: false },
        'cfg-options': { type: 'string', multiple: true },
      },
    });
    const { values, positionals } = parsed;
    if (positionals.length !== 2) throw new UsageError('give a config file and a results file');
    const outDir = values['out-dir'];
    if (!outDir) throw new UsageError('--out-dir is required');
    const topk = positiveNumber('--topk', values.topk, true)!;
    const rescale = positiveNumber('--rescale-factor', values['rescale-factor']);
    const order = values.order as 'most' | 'least';
    if (order !== 'most' && order !== 'least') throw new UsageError(`--order must be most or least, got '${order}'`);

    const [configPath, resultsPath] = positionals;
    let json: unknown;
    try {
      json = JSON.parse(readFileSync(resultsPath, 'utf8'));
    } catch (e) {
      throw new Error(`${resultsPath}: cannot read the results (${(e as Error).message}); write them with 'test --out results.json'`);
    }
    const samples = parseResults(json, resultsPath);

    registerDatasets();
    registerTransforms();
    const { cfg } = loadConfig(configPath, new NodeFS(), { cfgOptions: values['cfg-options'] });
    const dataset = DATASETS.build<Dataset>(stripPipelines(phaseDatasetConfig(cfg as Record<string, unknown>, 'test')).cfg, { fileSystem });
    await dataset.fullInit();
    for (const s of samples) {
      if (s.sample_idx >= dataset.length) throw new Error(`${resultsPath}: sample_idx ${s.sample_idx} is beyond the test dataset (${dataset.length} samples); were the results made with this config?`);
    }
    const picked = selectResults(samples, { topk, order, perClass: values['per-class'] });
    const src = { dataset, fileSystem };
    mkdirSync(outDir, { recursive: true });
    await saveGroup(outDir, 'success', picked.success, src, rescale);
    await saveGroup(outDir, 'fail', picked.fail, src, rescale);
    const numClasses = dataset.CLASSES?.length ?? samples[0].pred_score.length;
    const cm = confusionAnalysis(samples, numClasses);
    writeFileSync(join(outDir, 'confusion_matrix.json'), JSON.stringify({ classes: dataset.CLASSES, counts: cm.counts }));
    const ok = samples.filter((s) => s.pred_label[0] === s.gt_label[0]).length;
    io.out(`${samples.length} samples, ${ok} correct (${((100 * ok) / samples.length).toFixed(2)}%); saved ${picked.success.length} successes and ${picked.fail.length} failures to ${outDir}`);
    return 0;
  },
};

export default command;
