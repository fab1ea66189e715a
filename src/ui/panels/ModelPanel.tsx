/**
 * Model panel: the classifier of the current config (or a shipped / dropped one) as MMPretrain shows it — the
 * module tree with parameter and buffer shapes (`--preview-model`, `print(model)`), and the complexity table of
 * `tools/analysis_tools/get_flops.py` (parameters, FLOPs and activations per module) for a configurable input shape.
 * The model is built and measured in the engine worker (or the one the Inference panel holds, when it is this config).
 */
import { useEffect, useMemo, useRef, useState } from 'react';
import { formatSize } from '../../models/analysis/complexity';
import { useStudioStore } from '../store/studioStore';
import { droppedSource, shippedModels, shippedSource } from './inference/configSource';
import type { ConfigSource } from './inference/protocol';
import { defaultInputShape, type ModelAnalysis, type ModuleRow } from './model/analysis';
import { engine } from '../engine/client';
import './model/model.css';

type View = 'tree' | 'complexity' | 'repr';

const message = (e: unknown) => (e instanceof Error ? e.message : String(e));
const cell = (v: number | null) => (v === null ? '' : formatSize(v));

function TreeView({ rows }: { rows: ModuleRow[] }) {
  return (
    <ul className="mdl-tree" data-testid="model-tree" aria-label="module tree">
      {rows.map((r) => (
        <li key={r.name || '(model)'} style={{ paddingLeft: `${0.5 + r.depth * 1.1}rem` }} title={r.extra}>
          <span>{r.name ? r.name.slice(r.name.lastIndexOf('.') + 1) : 'model'}</span>: <span className="mdl-type">{r.type}</span>
          {r.extra ? <span className="muted">({r.extra})</span> : null}
          {r.tensors.map((t) => (
            <span key={t.name} className="mdl-tensor">
              {'  '}
              {t.name}
              {t.kind === 'buffer' ? '*' : ''} ({t.shape.join(', ')}
              {t.shape.length === 1 ? ',' : ''})
            </span>
          ))}
        </li>
      ))}
    </ul>
  );
}

function ComplexityView({ a, maxDepth }: { a: ModelAnalysis; maxDepth: number }) {
  const rows = a.rows.filter((r) => r.depth <= maxDepth && (r.params > 0 || r.flops !== null));
  return (
    <div className="mdl-table">
      <table className="table" data-testid="model-complexity">
        <thead>
          <tr>
            <th>module</th>
            <th>type</th>
            <th>#parameters</th>
            <th>#flops</th>
            <th>#activations</th>
          </tr>
        </thead>
        <tbody>
          {rows.map((r) => (
            <tr key={r.name || '(model)'}>
              <td style={{ paddingLeft: `${0.7 + r.depth * 0.9}rem` }}>{r.name || 'model'}</td>
              <td>{r.type}</td>
              <td className="num">{cell(r.params)}</td>
              <td className="num">{cell(r.flops)}</td>
              <td className="num">{cell(r.activations)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

export default function ModelPanel() {
  const studioConfig = useStudioStore((s) => s.config);
  const studioPath = useStudioStore((s) => s.configPath);
  const [own, setOwn] = useState<ConfigSource | null>(null);
  const [shipped, setShipped] = useState('');
  const [shape, setShape] = useState<[number, number, number] | null>(null);
  const [view, setView] = useState<View>('tree');
  const [maxDepth, setMaxDepth] = useState(3);
  const [analysis, setAnalysis] = useState<ModelAnalysis | null>(null);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const seq = useRef(0);
  const models = useMemo(() => [...shippedModels().keys()], []);

  const source: ConfigSource | null = own ?? (studioConfig ? { name: studioPath ?? 'studio config', dict: studioConfig } : null);

  // A new config: its default input shape.
  useEffect(() => {
    if (!source) return;
    try {
      setShape(defaultInputShape(source.dict));
    } catch (e) {
      setError(message(e));
    }
  }, [source?.dict]); // eslint-disable-line react-hooks/exhaustive-deps

  useEffect(() => {
    if (!source || !shape) return;
    if (shape.some((d) => !Number.isInteger(d) || d < 1)) return setError(`input shape (${shape.join(', ')}): every size must be a positive integer`);
    const my = ++seq.current;
    setBusy(true);
    setError(null);
    engine()
      .model.analyze(source.dict, shape, source.name)
      .then((a) => my === seq.current && setAnalysis(a))
      .catch((e) => my === seq.current && (setAnalysis(null), setError(`${source.name}: ${message(e)}`)))
      .finally(() => my === seq.current && setBusy(false));
  }, [source?.dict, shape]); // eslint-disable-line react-hooks/exhaustive-deps

  const pick = (name: string) => {
    setShipped(name);
    if (!name) return setOwn(null);
    try {
      setOwn(shippedSource(name));
    } catch (e) {
      setError(message(e));
    }
  };
  const drop = async (f: File) => {
    try {
      setOwn(droppedSource(f.name, await f.text()));
      setShipped('');
    } catch (e) {
      setError(message(e));
    }
  };
  const setDim = (i: number, v: string) => setShape((s) => (s ? (s.map((d, j) => (j === i ? Number(v) : d)) as [number, number, number]) : s));

  return (
    <div className="panel model-panel" onDragOver={(e) => e.preventDefault()} onDrop={(e) => (e.preventDefault(), e.dataTransfer.files[0] && void drop(e.dataTransfer.files[0]))}>
      <h2>Model</h2>
      <p className="muted">
        The module tree with parameter shapes (<code>--preview-model</code>) and <code>get_flops.py</code>'s complexity table: one multiply-add = 1 FLOP, backbone and neck on a
        (1, C, H, W) input.
      </p>
      <div className="mdl-layout">
        <section className="card mdl-controls" aria-label="Model inputs">
          <p className="muted" data-testid="model-source">
            {source ? `Config: ${source.name}` : 'No config yet: choose one in the Config panel, pick a shipped model or drop a config here.'}
          </p>
          <label>
            Shipped model{' '}
            <select value={shipped} onChange={(e) => pick(e.currentTarget.value)} aria-label="shipped model">
              <option value="">{studioConfig ? '— (studio config)' : '—'}</option>
              {models.map((n) => (
                <option key={n}>{n}</option>
              ))}
            </select>
          </label>
          <label>
            Config file <input type="file" accept=".py,.json" data-testid="model-config" aria-label="config file" onChange={(e) => e.currentTarget.files?.[0] && void drop(e.currentTarget.files[0])} />
          </label>
          {shape ? (
            <label className="mdl-shape">
              Input shape (C, H, W){' '}
              {shape.map((d, i) => (
                <input key={i} type="number" min={1} value={d} aria-label={['channels', 'height', 'width'][i]} onChange={(e) => setDim(i, e.currentTarget.value)} />
              ))}
            </label>
          ) : null}
          <label>
            View{' '}
            <select value={view} onChange={(e) => setView(e.currentTarget.value as View)} aria-label="view">
              <option value="tree">module tree</option>
              <option value="complexity">complexity table</option>
              <option value="repr">print(model)</option>
            </select>
          </label>
          {view === 'complexity' ? (
            <label>
              Max depth <input type="number" min={0} max={12} value={maxDepth} onChange={(e) => setMaxDepth(Number(e.currentTarget.value))} aria-label="max depth" style={{ width: '4rem' }} />
            </label>
          ) : null}
          {analysis ? (
            <dl className="facts" data-testid="model-totals">
              <dt>Input shape</dt>
              <dd>({analysis.inputShape.join(', ')})</dd>
              <dt>Flops</dt>
              <dd>{analysis.flopsStr}</dd>
              <dt>Params</dt>
              <dd>{analysis.paramsStr}</dd>
              <dt>Activation</dt>
              <dd>{analysis.activationsStr}</dd>
            </dl>
          ) : null}
          <p className="muted">{busy ? 'building and measuring…' : analysis ? `measured in ${analysis.ms.toFixed(0)} ms` : ''}</p>
        </section>
        <section aria-label="Model structure">
          {error ? (
            <div className="error-box" role="alert" data-testid="model-error">
              {error}
            </div>
          ) : null}
          {analysis && view === 'tree' ? <TreeView rows={analysis.rows} /> : null}
          {analysis && view === 'complexity' ? (
            <>
              <ComplexityView a={analysis} maxDepth={maxDepth} />
              <details>
                <summary>As get_flops.py prints it</summary>
                <pre className="python" data-testid="model-flops-text">
                  {`${analysis.table}\n${'='.repeat(30)}\nInput shape: (${analysis.inputShape.join(', ')})\nFlops: ${analysis.flopsStr}\nParams: ${analysis.paramsStr}\nActivation: ${analysis.activationsStr}\n${'='.repeat(30)}`}
                </pre>
              </details>
            </>
          ) : null}
          {analysis && view === 'repr' ? (
            <pre className="python" data-testid="model-repr">
              {analysis.repr}
            </pre>
          ) : null}
        </section>
      </div>
    </div>
  );
}
