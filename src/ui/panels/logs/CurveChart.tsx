/** One chart of the Logs panel: recharts lines, hover read-out of every run, drag-to-zoom, exports. */
import { useMemo, useState } from 'react';
import { CartesianGrid, Line, LineChart, ReferenceArea, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';
import { chartToSvg } from '../../../tools/analysis_tools/render_svg';
import type { SmoothingOptions } from '../../../tools/analysis_tools/smoothing';
import { exportSpec, formatX, nearestPoints, plotData, toCsv, toJson, zoomRange, type ChartGroup, type PlotLine, type PlotOptions } from './chartModel';
import { downloadBlob, downloadText, fileStem, svgToPngBlob } from './download';

export interface CurveChartProps {
  group: ChartGroup;
  options: Omit<PlotOptions, 'zoom'>;
  smoothing: SmoothingOptions;
  /** Title used for exported figures (defaults to the chart's). */
  exportTitle: string;
}

const EXPORT_SIZE = { width: 1200, height: 700 };

function ReadOut({ lines, x, xAxis }: { lines: PlotLine[]; x: number; xAxis: PlotOptions['xAxis'] }) {
  const near = nearestPoints(lines, x);
  return (
    <div className="logs-readout" role="status">
      <div className="logs-readout-x">x = {formatX(xAxis, x)}</div>
      <table>
        <tbody>
          {near.map(({ line, point }) => (
            <tr key={line.seriesId}>
              <td>
                <span className="logs-swatch" style={{ background: line.color }} />
                {line.label}
              </td>
              <td>{point.value.toPrecision(5)}</td>
              {line.rawKey && <td className="muted">{point.raw.toPrecision(5)}</td>}
              <td className="muted">@ {formatX(xAxis, point.x)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

export function CurveChart({ group, options, smoothing, exportTitle }: CurveChartProps) {
  const [zoom, setZoom] = useState<[number, number] | null>(null);
  const [drag, setDrag] = useState<{ from: number; to: number } | null>(null);
  const [error, setError] = useState<string | null>(null);
  const data = useMemo(() => plotData(group, { ...options, zoom }), [group, options, zoom]);
  const stem = fileStem(exportTitle || group.title);
  const labelOf = (s: { activeLabel?: string | number }) => (s.activeLabel === undefined ? undefined : Number(s.activeLabel));

  const exportSvg = () => chartToSvg({ ...exportSpec(group, data, options.logY, exportTitle || group.title, options.xAxis), ...EXPORT_SIZE });
  const onPng = async () => {
    try {
      downloadBlob(await svgToPngBlob(exportSvg(), EXPORT_SIZE.width, EXPORT_SIZE.height, 2), `${stem}.png`);
    } catch (e) {
      setError(e instanceof Error ? e.message : String(e));
    }
  };

  return (
    <figure className="card logs-chart" aria-label={`chart ${group.title}`} data-series-count={group.series.length}>
      <figcaption>
        <strong>{group.title}</strong>
        <span className="logs-chart-actions">
          {zoom && (
            <button type="button" className="secondary" onClick={() => setZoom(null)}>
              Reset zoom
            </button>
          )}
          <button type="button" className="secondary" onClick={() => downloadText(toCsv(group, smoothing), `${stem}.csv`, 'text/csv')}>
            CSV
          </button>
          <button type="button" className="secondary" onClick={() => downloadText(toJson(group, { ...options, zoom }), `${stem}.json`, 'application/json')}>
            JSON
          </button>
          <button type="button" className="secondary" onClick={() => downloadText(exportSvg(), `${stem}.svg`, 'image/svg+xml')}>
            SVG
          </button>
          <button type="button" className="secondary" onClick={onPng}>
            PNG
          </button>
        </span>
      </figcaption>
      {error && <div className="error-box">{error}</div>}
      <div className="logs-chart-body" onDoubleClick={() => setZoom(null)}>
        <ResponsiveContainer width="100%" height={320}>
          <LineChart
            data={data.rows}
            margin={{ top: 8, right: 16, bottom: 18, left: 8 }}
            onMouseDown={(s) => {
              const x = labelOf(s);
              if (x !== undefined) setDrag({ from: x, to: x });
            }}
            onMouseMove={(s) => {
              const x = labelOf(s);
              if (drag && x !== undefined) setDrag({ ...drag, to: x });
            }}
            onMouseUp={() => {
              if (drag) setZoom(zoomRange(drag.from, drag.to) ?? zoom);
              setDrag(null);
            }}
          >
            <CartesianGrid stroke="#e4e7ee" />
            <XAxis
              dataKey="x"
              type="number"
              domain={data.xDomain}
              ticks={data.xTicks}
              allowDataOverflow
              tickFormatter={(v: number) => formatX(options.xAxis, v)}
              label={{ value: data.xTitle, position: 'insideBottom', offset: -12 }}
            />
            <YAxis
              type="number"
              scale={options.logY ? 'log' : 'linear'}
              domain={data.yDomain}
              ticks={data.yTicks}
              allowDataOverflow
              width={64}
              tickFormatter={(v: number) => String(Number(v.toPrecision(4)))}
            />
            <Tooltip
              isAnimationActive={false}
              content={({ active, label }) => (active && label !== undefined ? <ReadOut lines={data.lines} x={Number(label)} xAxis={options.xAxis} /> : null)}
            />
            {data.lines.map((l) =>
              l.rawKey ? (
                <Line key={l.rawKey} dataKey={l.rawKey} stroke={l.color} strokeOpacity={0.25} dot={false} isAnimationActive={false} connectNulls activeDot={false} legendType="none" />
              ) : null,
            )}
            {data.lines.map((l) => (
              <Line key={l.dataKey} name={l.label} dataKey={l.dataKey} stroke={l.color} strokeWidth={1.6} dot={false} isAnimationActive={false} connectNulls />
            ))}
            {drag && drag.from !== drag.to && <ReferenceArea x1={drag.from} x2={drag.to} strokeOpacity={0.3} fill="#2f62d0" fillOpacity={0.12} />}
          </LineChart>
        </ResponsiveContainer>
      </div>
      <ul className="logs-legend">
        {data.lines.map((l) => (
          <li key={l.seriesId}>
            <span className="logs-swatch" style={{ background: l.color }} />
            {l.label}
          </li>
        ))}
      </ul>
    </figure>
  );
}
