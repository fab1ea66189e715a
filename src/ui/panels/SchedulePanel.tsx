/**
 * The Schedule panel: MMPretrain's `vis_scheduler.py`, live. The curve of lr, momentum or weight decay in every
 * iteration of the current config, with the epoch axis, dataset size and GPUs as inputs, hover values, the
 * schedulers listed, PNG / CSV export. The simulation is pure and memoised on its inputs.
 */
import { useMemo, useRef, useState } from 'react';
import { registerEngine } from '../../engine/register_all';
import {
  resolveDatasetSize,
  SCHEDULE_PARAM_LABELS,
  SCHEDULE_PARAMS,
  scheduleCsv,
  simulateSchedule,
  type ScheduleParam,
  type ScheduleSimulation,
} from '../../tools/visualization/vis_scheduler';
import { useStudioStore } from '../store/studioStore';
import { downloadBlob, downloadText, fileStem, svgToPngBlob } from './logs/download';
import { gpusFromConfigName } from './schedule/configName';
import { SCHEDULE_PRESETS } from './schedule/presets';
import { formatValue, ScheduleChart } from './schedule/ScheduleChart';
import { SchedulerTable } from './schedule/SchedulerTable';
import './schedule/schedule.css';

registerEngine();

/** Longest run simulated in the page (a few seconds at most). */
const MAX_TOTAL_ITERS = 3_000_000;

type Result = { sim: ScheduleSimulation; error: null } | { sim: null; error: string };

function parsePositiveInt(text: string): number | undefined {
  const n = Number(text);
  return Number.isInteger(n) && n > 0 ? n : undefined;
}

/** Serialises the chart's SVG (with a white background) for rasterising. */
function chartSvg(container: HTMLElement): { svg: string; width: number; height: number } {
  const svgEl = container.querySelector('svg');
  if (!svgEl) throw new Error('the chart is not drawn yet');
  const { width, height } = svgEl.getBoundingClientRect();
  const clone = svgEl.cloneNode(true) as SVGSVGElement;
  clone.setAttribute('xmlns', 'http://www.w3.org/2000/svg');
  clone.setAttribute('width', String(width));
  clone.setAttribute('height', String(height));
  const bg = document.createElementNS('http://www.w3.org/2000/svg', 'rect');
  bg.setAttribute('width', '100%');
  bg.setAttribute('height', '100%');
  bg.setAttribute('fill', '#ffffff');
  clone.insertBefore(bg, clone.firstChild);
  clone.setAttribute('font-family', 'system-ui, sans-serif');
  return { svg: new XMLSerializer().serializeToString(clone), width, height };
}

export default function SchedulePanel() {
  const config = useStudioStore((s) => s.config);
  const configPath = useStudioStore((s) => s.configPath);
  return <SchedulePanelView storeConfig={config} storePath={configPath} />;
}

/** The panel for a given config (null: the example picker); separate from the store so it renders in tests. */
export function SchedulePanelView({ storeConfig, storePath }: { storeConfig: Record<string, unknown> | null; storePath: string | null }) {
  const [presetIndex, setPresetIndex] = useState(0);
  const preset = SCHEDULE_PRESETS[presetIndex];
  const config = storeConfig ?? preset.config;
  const configPath = storeConfig ? (storePath ?? 'config') : preset.path;

  const [param, setParam] = useState<ScheduleParam>('lr');
  const [autoScale, setAutoScale] = useState(false);
  const [exportError, setExportError] = useState<string | null>(null);
  const chartRef = useRef<HTMLDivElement>(null);

  // Each config brings its defaults (its dataset's size, the GPUs its name states); edits hold for that config
  // path, so editing param_scheduler in the Config panel keeps them.
  const defaults = useMemo(
    () => ({ dataset: String(resolveDatasetSize(config, undefined) ?? 1000), gpus: String(gpusFromConfigName(configPath) ?? 1) }),
    [config, configPath],
  );
  const [edits, setEdits] = useState<{ path: string; dataset?: string; gpus?: string }>({ path: configPath });
  const own = edits.path === configPath ? edits : { path: configPath };
  const datasetText = own.dataset ?? defaults.dataset;
  const gpusText = own.gpus ?? defaults.gpus;
  const setDatasetText = (dataset: string) => setEdits({ ...own, dataset });
  const setGpusText = (gpus: string) => setEdits({ ...own, gpus });

  const datasetSize = parsePositiveInt(datasetText);
  const ngpus = parsePositiveInt(gpusText);
  const result: Result = useMemo(() => {
    if (datasetSize === undefined) return { sim: null, error: 'Dataset size must be a positive integer.' };
    if (ngpus === undefined) return { sim: null, error: 'Number of GPUs must be a positive integer.' };
    try {
      return { sim: simulateSchedule(config, { datasetSize, ngpus, autoScaleLr: autoScale, maxTotalIters: MAX_TOTAL_ITERS }), error: null };
    } catch (e) {
      return { sim: null, error: e instanceof Error ? e.message : String(e) };
    }
  }, [config, datasetSize, ngpus, autoScale]);

  const stem = fileStem(`${configPath.replace(/^.*\//, '').replace(/\.py$/, '')}_${param}`);
  const onPng = async () => {
    setExportError(null);
    try {
      if (!chartRef.current) throw new Error('the chart is not drawn yet');
      const { svg, width, height } = chartSvg(chartRef.current);
      downloadBlob(await svgToPngBlob(svg, width, height, 2), `${stem}.png`);
    } catch (e) {
      setExportError(e instanceof Error ? e.message : String(e));
    }
  };

  const sim = result.sim;
  const values = sim ? sim[param] : null;
  return (
    <section className="panel" aria-labelledby="schedule-title">
      <h2 id="schedule-title">Schedule</h2>
      {storeConfig ? (
        <p className="muted">
          From <code>{configPath}</code> (edit <code>param_scheduler</code> in the Config panel; the curve follows).
        </p>
      ) : (
        <p className="muted">
          No config chosen yet: pick one in the <a href="#/config">Config panel</a>, or try the schedule of{' '}
          <select aria-label="Example schedule" value={presetIndex} onChange={(e) => setPresetIndex(Number(e.target.value))}>
            {SCHEDULE_PRESETS.map((p, i) => (
              <option key={p.path} value={i}>
                {p.path}
              </option>
            ))}
          </select>
        </p>
      )}

      <div className="schedule-controls">
        <div className="schedule-param" role="group" aria-label="Parameter">
          {SCHEDULE_PARAMS.map((p) => (
            <button key={p} type="button" aria-pressed={p === param} onClick={() => setParam(p)}>
              {SCHEDULE_PARAM_LABELS[p]}
            </button>
          ))}
        </div>
        <label>
          Dataset size
          <input type="number" min={1} value={datasetText} onChange={(e) => setDatasetText(e.target.value)} />
        </label>
        <label>
          GPUs
          <input type="number" min={1} value={gpusText} onChange={(e) => setGpusText(e.target.value)} />
        </label>
        <label className="inline">
          <input type="checkbox" checked={autoScale} onChange={(e) => setAutoScale(e.target.checked)} />
          auto_scale_lr
        </label>
      </div>

      {result.error !== null && (
        <div className="error-box" role="alert">
          {result.error}
        </div>
      )}

      {sim && values && (
        <>
          <div className="schedule-facts" aria-label="Run">
            <span>
              total batch <b>{sim.batch_size}</b> ({sim.batch_size_per_gpu} × {sim.ngpus})
            </span>
            {sim.by_epoch && (
              <span>
                iterations per epoch <b>{sim.iters_per_epoch}</b>
              </span>
            )}
            <span>
              total <b>{sim.total_iters}</b> iterations{sim.by_epoch ? ` (${sim.max_epochs} epochs)` : ''}
            </span>
            <span>
              {sim.optimizer_type}
              {sim.lr_scale !== 1 ? ` · lr × ${sim.lr_scale}` : ''}
            </span>
            <span>
              {SCHEDULE_PARAM_LABELS[param]}: {formatValue(values[0])} → {formatValue(values[values.length - 1])}
            </span>
          </div>
          <div className="card">
            <ScheduleChart values={values} itersPerEpoch={sim.iters_per_epoch} byEpoch={sim.by_epoch} label={SCHEDULE_PARAM_LABELS[param]} containerRef={chartRef} />
            <div className="schedule-actions">
              <button type="button" className="secondary" onClick={onPng}>
                PNG
              </button>
              <button type="button" className="secondary" onClick={() => downloadText(scheduleCsv(sim), `${stem}.csv`, 'text/csv')}>
                CSV
              </button>
            </div>
            {exportError && (
              <div className="error-box" role="alert">
                {exportError}
              </div>
            )}
          </div>
          <h3>Schedulers</h3>
          <SchedulerTable schedulers={sim.schedulers} />
        </>
      )}
    </section>
  );
}
