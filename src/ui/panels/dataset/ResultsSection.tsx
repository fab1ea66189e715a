/**
 * Results analysis (`analyze_results.py`, live): load the `test --out results.json` of the opened dataset's test
 * split, see the confusion matrix (click a cell for its samples) and the most confident successes and failures,
 * drawn with their images when the dataset is open.
 */
import { useEffect, useMemo, useState } from 'react';
import { ConfusionMatrix } from '../../components/ConfusionMatrix';
import { confusionAnalysis, parseResults, predictionText, selectResults, type PredictedSample } from '../../../tools/analysis_tools/analyze_results';
import type { RgbaImage } from '../../../tools/visualization/browse_dataset';
import { RgbaCanvas } from './RgbaCanvas';

const MAX_DRAWN = 24;

/** Draws a results sample (image, ground truth, prediction), or null while no dataset is open. */
export type DrawResultFn = ((s: PredictedSample) => Promise<RgbaImage>) | null;

function ResultList({ title, samples, draw, classes, testId }: { title: string; samples: PredictedSample[]; draw: DrawResultFn; classes: readonly string[] | null; testId: string }) {
  const [frames, setFrames] = useState<Map<number, RgbaImage>>(new Map());
  useEffect(() => {
    let live = true;
    setFrames(new Map());
    if (!draw) return;
    void (async () => {
      const out = new Map<number, RgbaImage>();
      for (const s of samples.slice(0, MAX_DRAWN)) {
        await new Promise((r) => setTimeout(r, 0));
        if (!live) return;
        try {
          out.set(s.sample_idx, await draw(s));
          setFrames(new Map(out));
        } catch {
          // an index beyond the dataset: listed without image
        }
      }
    })();
    return () => {
      live = false;
    };
  }, [samples, draw]);
  return (
    <div data-testid={testId}>
      <h4>
        {title} <span className="muted">({samples.length})</span>
      </h4>
      {samples.length === 0 ? (
        <p className="muted">none</p>
      ) : (
        <div className="result-list">
          {samples.slice(0, MAX_DRAWN).map((s) => (
            <figure key={s.sample_idx} className="card">
              {frames.get(s.sample_idx) && <RgbaCanvas image={frames.get(s.sample_idx)!} />}
              <figcaption>
                <strong>#{s.sample_idx}</strong> gt {s.gt_label.join(',')}
                {classes?.[s.gt_label[0]] ? ` (${classes[s.gt_label[0]]})` : ''}
                <br />
                {predictionText(s, classes)}
              </figcaption>
            </figure>
          ))}
          {samples.length > MAX_DRAWN && <p className="muted">… and {samples.length - MAX_DRAWN} more</p>}
        </div>
      )}
    </div>
  );
}

export function ResultsSection({ draw, classes }: { draw: DrawResultFn; classes: readonly string[] | null }) {
  const [samples, setSamples] = useState<PredictedSample[] | null>(null);
  const [fileName, setFileName] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [cell, setCell] = useState<[number, number] | null>(null);
  const [topk, setTopk] = useState(20);
  const [perClass, setPerClass] = useState(false);
  const [order, setOrder] = useState<'most' | 'least'>('most');

  const load = async (file: File | undefined) => {
    if (!file) return;
    try {
      setSamples(parseResults(JSON.parse(await file.text()), file.name));
      setFileName(file.name);
      setError(null);
      setCell(null);
    } catch (e) {
      setError(e instanceof Error ? e.message : String(e));
    }
  };
  const analysis = useMemo(() => {
    if (!samples) return null;
    try {
      return { cm: confusionAnalysis(samples, classes?.length ?? undefined), picked: selectResults(samples, { topk, perClass, order }), error: null };
    } catch (e) {
      return { cm: null, picked: null, error: (e as Error).message };
    }
  }, [samples, classes, topk, perClass, order]);
  const cellSamples = useMemo(() => (analysis?.cm && cell && samples ? analysis.cm.cells[cell[0]][cell[1]].map((i) => samples[i]) : []), [analysis, cell, samples]);
  const correct = samples ? samples.filter((s) => s.pred_label[0] === s.gt_label[0]).length : 0;

  return (
    <section className="card" data-testid="results-analysis">
      <h3 style={{ marginTop: 0 }}>Results analysis</h3>
      <p className="muted">
        Load the predictions of this dataset's test split (<code>mmpretrain-web test … --out results.json</code>): confusion matrix and the most confident successes and failures, as{' '}
        <code>analyze_results.py</code>.
      </p>
      <div className="row">
        <input type="file" accept=".json" aria-label="results.json" data-testid="results-file-input" onChange={(e) => void load(e.target.files?.[0])} />
        <label>
          top-k <input type="number" min={1} value={topk} onChange={(e) => setTopk(Math.max(1, Math.floor(Number(e.target.value)) || 1))} style={{ width: '4.5rem' }} />
        </label>
        <label>
          <input type="checkbox" checked={perClass} onChange={(e) => setPerClass(e.target.checked)} /> per class
        </label>
        <label title="MMPretrain 1.x's script sorts ascending, keeping the least confident">
          <select value={order} onChange={(e) => setOrder(e.target.value as 'most' | 'least')}>
            <option value="most">most confident first</option>
            <option value="least">least confident first</option>
          </select>
        </label>
      </div>
      {error && <div className="error-box">{error}</div>}
      {analysis?.error && <div className="error-box">{analysis.error}</div>}
      {samples && analysis?.cm && analysis.picked && (
        <>
          <p>
            {fileName}: {samples.length} samples, {correct} correct ({((100 * correct) / samples.length).toFixed(2)} %).
            {!draw && <span className="muted"> Open the dataset above to see the images.</span>}
          </p>
          <ConfusionMatrix counts={analysis.cm.counts} classes={classes} selected={cell} onCellClick={(t, p) => setCell([t, p])} title="Confusion matrix" />
          {cell && (
            <ResultList
              title={`truth ${classes?.[cell[0]] ?? cell[0]}, predicted ${classes?.[cell[1]] ?? cell[1]}`}
              samples={cellSamples}
              draw={draw}
              classes={classes}
              testId="confusion-cell-samples"
            />
          )}
          <ResultList title={`${order === 'most' ? 'Most' : 'Least'} confident successes`} samples={analysis.picked.success} draw={draw} classes={classes} testId="results-success" />
          <ResultList title={`${order === 'most' ? 'Most' : 'Least'} confident failures`} samples={analysis.picked.fail} draw={draw} classes={classes} testId="results-fail" />
        </>
      )}
    </section>
  );
}
