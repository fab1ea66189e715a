/** Samples per class of the opened dataset (recharts bars), with the unlabelled count. */
import { Bar, BarChart, CartesianGrid, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';
import type { ClassHistogram } from '../../../datasets/analysis';

export function ClassHistogramChart({ histogram }: { histogram: ClassHistogram }) {
  const data = histogram.counts.map((count, i) => ({ name: histogram.classes[i] ?? String(i), index: i, count }));
  const min = Math.min(...histogram.counts);
  const max = Math.max(...histogram.counts);
  return (
    <div className="card" data-testid="class-histogram">
      <div className="row" style={{ justifyContent: 'space-between' }}>
        <strong>Samples per class</strong>
        <span className="muted">
          {histogram.total} samples, {histogram.counts.length} classes, {min}–{max} per class{histogram.unlabelled ? `, ${histogram.unlabelled} unlabelled` : ''}
        </span>
      </div>
      <div style={{ width: '100%', height: 220 }}>
        <ResponsiveContainer>
          <BarChart data={data} margin={{ top: 8, right: 8, bottom: 8, left: 8 }}>
            <CartesianGrid strokeDasharray="3 3" vertical={false} />
            <XAxis dataKey="index" tick={{ fontSize: 11 }} interval={data.length > 40 ? 'preserveStartEnd' : 0} />
            <YAxis tick={{ fontSize: 11 }} allowDecimals={false} />
            <Tooltip formatter={(v) => [v, 'samples']} labelFormatter={(i) => `${i}: ${data[Number(i)]?.name ?? ''}`} />
            <Bar dataKey="count" fill="#3b5bdb" isAnimationActive={false} />
          </BarChart>
        </ResponsiveContainer>
      </div>
    </div>
  );
}
