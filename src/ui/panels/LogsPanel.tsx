/**
 * Logs panel: MMPretrain's `tools/analysis_tools/analyze_logs.py` (plot_curve, cal_train_time) with
 * TensorBoard's scalar-dashboard features: smoothing, x-axis choice, log-scale y, key regex filter,
 * hide/show runs, hover read-out across runs, drag-to-zoom, CSV/JSON/SVG/PNG export.
 */
import { useMemo } from 'react';
import type { SmoothingMethod, SmoothingOptions } from '../../tools/analysis_tools/smoothing';
import { seriesSupportsAxis, X_AXIS_MODES, type XAxisMode } from '../../tools/analysis_tools/x_axis';
import { chartGroups, panelSeries } from './logs/chartModel';
import { CurveChart } from './logs/CurveChart';
import { KeyPicker } from './logs/KeyPicker';
import { useLogsStore } from './logs/logsStore';
import { RunList } from './logs/RunList';
import { TrainTimeTable } from './logs/TrainTimeTable';
import './logs/logs.css';

const AXIS_NAMES: Record<XAxisMode, string> = {
  tool: 'as analyze_logs (epochs / iters / steps)',
  step: 'step',
  epoch: 'epochs',
  iter: 'iterations',
  relative: 'relative time',
  wall: 'wall time',
};

function Controls({ supported }: { supported: Set<XAxisMode> }) {
  const view = useLogsStore((s) => s.view);
  const setView = useLogsStore((s) => s.setView);
  return (
    <section className="card logs-controls" aria-label="Chart settings">
      <label>
        Smoothing{' '}
        <select value={view.smoothing} onChange={(e) => setView({ smoothing: e.currentTarget.value as SmoothingMethod })}>
          <option value="none">none</option>
          <option value="ema">EMA (TensorBoard)</option>
          <option value="window">moving window</option>
        </select>
      </label>
      {view.smoothing === 'ema' && (
        <label>
          weight{' '}
          <input
            type="range"
            min={0}
            max={0.999}
            step={0.001}
            value={view.emaWeight}
            aria-label="EMA weight"
            onChange={(e) => setView({ emaWeight: Number(e.currentTarget.value) })}
          />{' '}
          <output>{view.emaWeight.toFixed(3)}</output>
        </label>
      )}
      {view.smoothing === 'window' && (
        <label>
          window{' '}
          <input type="range" min={1} max={200} step={1} value={view.window} aria-label="moving window" onChange={(e) => setView({ window: Number(e.currentTarget.value) })} />{' '}
          <output>{view.window}</output>
        </label>
      )}
      <label>
        X axis{' '}
        <select value={view.xAxis} onChange={(e) => setView({ xAxis: e.currentTarget.value as XAxisMode })}>
          {X_AXIS_MODES.map((m) => (
            <option key={m} value={m} disabled={!supported.has(m)}>
              {AXIS_NAMES[m]}
              {supported.has(m) ? '' : ' (not in these logs)'}
            </option>
          ))}
        </select>
      </label>
      <label>
        <input type="checkbox" checked={view.logY} onChange={(e) => setView({ logY: e.currentTarget.checked })} /> log-scale y
      </label>
      <label>
        <input type="checkbox" checked={view.ignoreOutliers} onChange={(e) => setView({ ignoreOutliers: e.currentTarget.checked })} /> ignore outliers in y range
      </label>
      <label title="accuracy_top-1 (MMClassification 0.x) and accuracy/top1 (MMPretrain 1.x) share a chart">
        <input type="checkbox" checked={view.matchAliases} onChange={(e) => setView({ matchAliases: e.currentTarget.checked })} /> match 0.x/1.x metric names
      </label>
      <label>
        <input type="checkbox" checked={view.combined} onChange={(e) => setView({ combined: e.currentTarget.checked })} /> one figure (as the tool)
      </label>
      <label>
        Title <input type="text" value={view.title} placeholder="figure title" onChange={(e) => setView({ title: e.currentTarget.value })} />
      </label>
    </section>
  );
}

export default function LogsPanel() {
  const runs = useLogsStore((s) => s.runs);
  const view = useLogsStore((s) => s.view);
  const series = useMemo(() => panelSeries(runs, view.selectedKeys, view.matchAliases), [runs, view.selectedKeys, view.matchAliases]);
  const groups = useMemo(
    () => chartGroups(series, view.selectedKeys, view.combined, view.title, view.matchAliases),
    [series, view.selectedKeys, view.combined, view.title, view.matchAliases],
  );
  const supported = useMemo(() => new Set(X_AXIS_MODES.filter((m) => series.length > 0 && series.every((s) => seriesSupportsAxis(s.curve, m)))), [series]);
  const xAxis: XAxisMode = supported.has(view.xAxis) || series.length === 0 ? view.xAxis : 'tool';
  const smoothing: SmoothingOptions = useMemo(
    () => (view.smoothing === 'ema' ? { method: 'ema', weight: view.emaWeight } : view.smoothing === 'window' ? { method: 'window', window: view.window } : { method: 'none' }),
    [view.smoothing, view.emaWeight, view.window],
  );
  const options = useMemo(() => ({ xAxis, smoothing, logY: view.logY, ignoreOutliers: view.ignoreOutliers }), [xAxis, smoothing, view.logY, view.ignoreOutliers]);

  return (
    <section className="panel logs-panel" aria-label="Logs panel">
      <h2>Logs</h2>
      <p className="muted">
        analyze_logs.py in the browser: plot_curve and cal_train_time on training logs, with TensorBoard-style smoothing and zoom (drag across a chart; double-click to reset).
      </p>
      <RunList />
      {runs.length > 0 && (
        <div className="logs-layout">
          <aside className="logs-side">
            <KeyPicker />
          </aside>
          <div className="logs-main">
            <Controls supported={supported} />
            {groups.length === 0 && <p className="muted">Pick keys to plot.</p>}
            <div className="logs-charts">
              {groups.map((g) => (
                <CurveChart key={g.id} group={g} options={options} smoothing={smoothing} exportTitle={view.title || g.title} />
              ))}
            </div>
            <TrainTimeTable />
          </div>
        </div>
      )}
    </section>
  );
}
