/**
 * Live curves of the run (recharts): loss and lr over iterations, top-1 over epochs, and any other logged key.
 * Subscribes to the chart slice only (`selectChart`: the train / val series and their keys), so events that bring
 * no records (state, checkpoints, survival, log lines) do not render it; each curve extends its points with the new
 * records only ({@link CurvePoints}) and draws at most {@link MAX_POINTS} of them.
 */
import { useMemo, useRef, useState } from 'react';
import { CartesianGrid, Line, LineChart, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';
import { useShallow } from 'zustand/react/shallow';
import { selectChart, type Series } from './runState';
import { useTrainStore } from './trainStore';

/** Points drawn per chart at most: longer runs are thinned evenly (first and last kept). */
const MAX_POINTS = 1500;

export interface Point {
  x: number;
  y: number;
}

/** Every k-th point so at most `max` remain, the last always kept (O(max), whatever the length). */
export function thin<T>(points: readonly T[], max: number, length = points.length): T[] {
  if (length <= max) return points.slice(0, length);
  const step = Math.ceil(length / max);
  const out: T[] = [];
  for (let i = 0; i < length; i += step) out.push(points[i]);
  if (out[out.length - 1] !== points[length - 1]) out.push(points[length - 1]);
  return out;
}

/**
 * The (x, y) points of a series' records that carry both keys, extended as the series grows: an update reads only
 * the records added since the last one (a different array, a shorter series or other keys start over).
 */
export class CurvePoints {
  readonly points: Point[] = [];
  /** The record index of each point. */
  private from: number[] = [];
  private items: readonly Record<string, number>[] | null = null;
  private consumed = 0;
  /** Records read so far, over every update (what a test counts). */
  reads = 0;

  constructor(
    readonly x: string,
    readonly y: string,
  ) {}

  update(series: Series<Record<string, number>>): readonly Point[] {
    const { items, length } = series;
    const old = this.items;
    if (items !== old) {
      // A copy of the same records (an append after a rewind) keeps its points; another series starts over.
      const n = Math.min(length, this.consumed);
      const same = old !== null && n > 0 && items[n - 1] === old[n - 1];
      this.keep(same ? n : 0);
      this.items = items;
    } else if (length < this.consumed) this.keep(length); // a rewind: the later records run again
    const { x, y } = this;
    for (let i = this.consumed; i < length; i++) {
      const r = items[i];
      this.reads++;
      if (x in r && y in r) {
        this.points.push({ x: r[x], y: r[y] });
        this.from.push(i);
      }
    }
    this.consumed = length;
    return this.points;
  }

  /** Keeps the points of the first `n` records. */
  private keep(n: number): void {
    while (this.from.length && this.from[this.from.length - 1] >= n) {
      this.from.pop();
      this.points.pop();
    }
    this.consumed = n;
  }
}

function Chart({ title, series, x, y, color }: { title: string; series: Series<Record<string, number>>; x: string; y: string; color: string }) {
  const cache = useRef<CurvePoints | null>(null);
  if (!cache.current || cache.current.x !== x || cache.current.y !== y) cache.current = new CurvePoints(x, y);
  const curve = cache.current;
  // Recomputed when the series grows: the new records are read, at most MAX_POINTS are drawn.
  const { count, last, points } = useMemo(() => {
    const all = curve.update(series);
    return { count: all.length, last: all[all.length - 1], points: thin(all, MAX_POINTS) };
  }, [curve, series]);
  return (
    <figure className="train-chart" data-testid={`train-chart-${y}`} data-points={count}>
      <figcaption>
        {title} <span className="muted">({last ? `last ${last.y.toPrecision(5)}` : 'no values yet'})</span>
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

/** The run's curves; renders only when records arrive (or a new key appears). */
export function TrainCharts() {
  const { train, val, trainKeys, valKeys } = useTrainStore(useShallow(selectChart));
  const keys = useMemo(() => [...trainKeys.map((k) => `train:${k}`), ...valKeys.map((k) => `val:${k}`)].sort(), [trainKeys, valKeys]);
  const valMetric = keys.find((k) => k === 'val:accuracy/top1') ?? keys.find((k) => k.startsWith('val:') && !/time$/.test(k));
  const [extra, setExtra] = useState('');
  const [phase, key] = extra ? [extra.slice(0, extra.indexOf(':')), extra.slice(extra.indexOf(':') + 1)] : ['', ''];
  if (!train.length && !val.length) return null;
  return (
    <div className="train-charts">
      <Chart title="loss" series={train} x="iter" y="loss" color="#1f77b4" />
      <Chart title="lr" series={train} x="iter" y="lr" color="#ff7f0e" />
      {valMetric && <Chart title={`val ${valMetric.slice(4)}`} series={val} x="step" y={valMetric.slice(4)} color="#2ca02c" />}
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
        {extra && <Chart title={extra} series={phase === 'train' ? train : val} x={phase === 'train' ? 'iter' : 'step'} y={key} color="#9467bd" />}
      </div>
    </div>
  );
}
