/** The curve of one scheduled parameter over iterations, with the epoch axis below (as vis_scheduler.py plots it). */
import { useMemo, type Ref } from 'react';
import { CartesianGrid, Line, LineChart, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';
import { downsampleCurve } from '../../../tools/visualization/downsample';

export interface ScheduleChartProps {
  values: Float64Array;
  itersPerEpoch: number;
  byEpoch: boolean;
  label: string;
  /** Receives the chart's wrapper element (its SVG is what PNG export rasterises). */
  containerRef?: Ref<HTMLDivElement>;
}

/** Points plotted at most (the curve keeps its extremes and steps). */
const MAX_POINTS = 1500;

/** A readable step (1, 2, 5 × 10^k) so that `span / step` is at most `count`. */
export function niceStep(span: number, count: number): number {
  const raw = Math.max(span / count, 1e-12);
  const p = 10 ** Math.floor(Math.log10(raw));
  return [1, 2, 5, 10].map((m) => m * p).find((s) => s >= raw) ?? 10 * p;
}

export function formatValue(v: number): string {
  if (v === 0) return '0';
  const a = Math.abs(v);
  return a >= 1e-3 && a < 1e4 ? String(+v.toPrecision(6)) : v.toExponential(3);
}

interface TipProps {
  active?: boolean;
  payload?: { payload: { iter: number; value: number } }[];
  itersPerEpoch: number;
  label: string;
  byEpoch: boolean;
}

function ScheduleTooltip({ active, payload, itersPerEpoch, label, byEpoch }: TipProps) {
  if (!active || !payload?.length) return null;
  const { iter, value } = payload[0].payload;
  return (
    <div className="schedule-tooltip">
      <div>
        iter <b>{iter}</b>
        {byEpoch && (
          <>
            {' '}
            · epoch <b>{Math.floor(iter / itersPerEpoch) + 1}</b> (iter {(iter % itersPerEpoch) + 1}/{itersPerEpoch})
          </>
        )}
      </div>
      <div>
        {label}: <b>{value}</b>
      </div>
    </div>
  );
}

export function ScheduleChart({ values, itersPerEpoch, byEpoch, label, containerRef }: ScheduleChartProps) {
  const data = useMemo(() => {
    const { x, y } = downsampleCurve(values, MAX_POINTS);
    return x.map((iter, i) => ({ iter, value: y[i] }));
  }, [values]);
  const last = Math.max(1, values.length - 1);
  const epochTicks = useMemo(() => {
    if (!byEpoch) return [];
    const epochs = values.length / itersPerEpoch;
    const step = Math.max(1, Math.round(niceStep(epochs, 10)));
    const ticks: number[] = [];
    for (let e = 0; e <= epochs; e += step) ticks.push(e * itersPerEpoch);
    return ticks;
  }, [values.length, itersPerEpoch, byEpoch]);

  return (
    <div ref={containerRef} data-testid="schedule-chart">
      <div className="schedule-chart">
      <ResponsiveContainer width="100%" height="100%">
        <LineChart data={data} margin={{ top: 8, right: 24, bottom: 8, left: 16 }}>
          <CartesianGrid strokeDasharray="3 3" stroke="#e3e7ee" />
          <XAxis
            xAxisId="iter"
            dataKey="iter"
            type="number"
            domain={[0, last]}
            orientation={byEpoch ? 'top' : 'bottom'}
            allowDecimals={false}
          />
          {byEpoch && (
            <XAxis
              xAxisId="epoch"
              dataKey="iter"
              type="number"
              domain={[0, last]}
              ticks={epochTicks}
              tickFormatter={(v: number) => String(Math.round(v / itersPerEpoch))}
            />
          )}
          <YAxis tickFormatter={formatValue} width={72} label={{ value: label, angle: -90, position: 'insideLeft' }} domain={['auto', 'auto']} />
          <Tooltip content={<ScheduleTooltip itersPerEpoch={itersPerEpoch} label={label} byEpoch={byEpoch} />} />
          <Line xAxisId="iter" type="linear" dataKey="value" stroke="#2f62d0" strokeWidth={1.5} dot={false} isAnimationActive={false} />
        </LineChart>
      </ResponsiveContainer>
      </div>
      <p className="muted schedule-axes">{byEpoch ? 'x: iterations (top axis) and epochs (bottom axis)' : 'x: iterations'}</p>
    </div>
  );
}
