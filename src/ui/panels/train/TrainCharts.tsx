/** Live curves of the run (recharts): loss and lr over iterations, top-1 over epochs, and any other logged key. */
import { memo, useMemo, useState } from 'react';
import { CartesianGrid, Line, LineChart, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';
import { splitRecords } from './runState';

/** Keys that are positions, not curves. */
const AXIS_KEYS = new Set(['step', 'iter', 'epoch']);

/** Points drawn per chart at most: longer runs are thinned evenly (first and last kept). */
const MAX_POINTS = 1500;

/** Every k-th point so at most `max` remain, the last always kept. */
export function thin<T>(points: T[], max: number): T[] {
  if (points.length <= max) return points;
  const step = Math.ceil(points.length / max);
  const out = points.filter((_, i) => i % step === 0);
  if (out[out.length - 1] !== points[points.length - 1]) out.push(points[points.length - 1]);
  return out;
}

function Chart({ title, data, x, y, color }: { title: string; data: Record<string, number>[]; x: string; y: string; color: string }) {
  const all = useMemo(() => data.filter((r) => y in r && x in r).map((r) => ({ x: r[x], y: r[y] })), [data, x, y]);
  const points = useMemo(() => thin(all, MAX_POINTS), [all]);
  return (
    <figure className="train-chart" data-testid={`train-chart-${y}`} data-points={all.length}>
      <figcaption>
        {title} <span className="muted">({all.length ? `last ${all[all.length - 1].y.toPrecision(5)}` : 'no values yet'})</span>
      </figcaption>
      <ResponsiveContainer width="100%" height={180}>
        <LineChart data={points} margin={{ top: 8, right: 16, bottom: 8, left: 8 }}>
          <CartesianGrid strokeDasharray="3 3" />
          <XAxis dataKey="x" type="number" domain={['dataMin', 'dataMax']} allowDecimals={false} label={{ value: x, position: 'insideBottomRight', offset: -4 }} />
          <YAxis domain={['auto', 'auto']} width={64} tickFormatter={(v: number) => String(Number(v.toPrecision(4)))} />
          <Tooltip formatter={(v) => (typeof v === 'number' ? v.toPrecision(6) : String(v))} labelFormatter={(l) => `${x} ${l}`} />
          <Line type="linear" dataKey="y" name={y} stroke={color} dot={points.length < 30} isAnimationActive={false} />
        </LineChart>
      </ResponsiveContainer>
    </figure>
  );
}

/** Re-renders only when records arrive (progress events without new scalars leave the charts alone). */
export const TrainCharts = memo(function TrainCharts({ records }: { records: Record<string, number>[] }) {
  const { train, val } = useMemo(() => splitRecords(records), [records]);
  const keys = useMemo(() => {
    const k = new Set<string>();
    for (const r of train) for (const key of Object.keys(r)) if (!AXIS_KEYS.has(key)) k.add(`train:${key}`);
    for (const r of val) for (const key of Object.keys(r)) if (!AXIS_KEYS.has(key)) k.add(`val:${key}`);
    return [...k].sort();
  }, [train, val]);
  const valMetric = keys.find((k) => k === 'val:accuracy/top1') ?? keys.find((k) => k.startsWith('val:') && !/time$/.test(k));
  const [extra, setExtra] = useState('');
  const [phase, key] = extra ? [extra.slice(0, extra.indexOf(':')), extra.slice(extra.indexOf(':') + 1)] : ['', ''];
  return (
    <div className="train-charts">
      <Chart title="loss" data={train} x="iter" y="loss" color="#1f77b4" />
      <Chart title="lr" data={train} x="iter" y="lr" color="#ff7f0e" />
      {valMetric && <Chart title={`val ${valMetric.slice(4)}`} data={val} x="step" y={valMetric.slice(4)} color="#2ca02c" />}
      <div>
        <label>
          Any logged key{' '}
          <select value={extra} onChange={(e) => setExtra(e.target.value)} aria-label="Chart another key">
            <option value="">(choose)</option>
            {keys.map((k) => (
              <option key={k} value={k}>
                {k}
              </option>
            ))}
          </select>
        </label>
        {extra && <Chart title={extra} data={phase === 'train' ? train : val} x={phase === 'train' ? 'iter' : 'step'} y={key} color="#9467bd" />}
      </div>
    </div>
  );
});
