/** One image's card: thumbnail, top-k classes as score bars, time and backend (or the error naming the file). */
import { explainInferenceResult } from '../cam/openInCam';
import type { ImagePrediction } from './protocol';

/** Backends whose first run compiles shaders. */
const GPU = new Set(['webgpu', 'webgl']);

/** An image the user added, with its prediction once made. */
export interface ImageEntry {
  id: number;
  name: string;
  bytes: ArrayBuffer;
  /** Object URL of the thumbnail. */
  url: string;
  result?: ImagePrediction;
  error?: string;
}

export function ResultCard({ entry }: { entry: ImageEntry }) {
  const r = entry.result;
  return (
    <article className="card inf-card" data-testid="inference-result" aria-label={`result for ${entry.name}`}>
      <header>
        <img className="inf-thumb" src={entry.url} alt="" />
        <div>
          <div className="inf-name">{entry.name}</div>
          <div className="muted" data-testid="inference-time" title={r ? `pipeline ${(r.ms - r.forwardMs).toFixed(1)} ms + forward ${r.forwardMs.toFixed(1)} ms` : undefined}>
            {r ? `${r.ms.toFixed(1)} ms on ${r.backend}${r.first ? (GPU.has(r.backend) ? ' (first: includes shader compilation)' : ' (first)') : ''}` : entry.error ? 'failed' : 'waiting…'}
          </div>
          {r ? (
            <button type="button" className="secondary" onClick={() => void explainInferenceResult(entry, r)} title="Open this image in the CAM panel with this model, the predicted class as the target">
              Explain with CAM
            </button>
          ) : null}
        </div>
      </header>
      {entry.error ? (
        <div className="error-box" role="alert">
          {entry.error}
        </div>
      ) : null}
      {r ? (
        <ol className="inf-bars">
          {r.topk.map((t) => (
            <li key={t.label} className="inf-bar" data-testid="inference-bar">
              <span className="inf-bar-track" title={t.name ?? String(t.label)}>
                <span className="inf-bar-fill" style={{ width: `${(t.score * 100).toFixed(2)}%` }} />
                <span className="inf-bar-label">
                  {t.label}
                  {t.name !== undefined ? `: ${t.name}` : ''}
                </span>
              </span>
              <span className="inf-bar-score">{(t.score * 100).toFixed(2)}%</span>
            </li>
          ))}
        </ol>
      ) : null}
    </article>
  );
}
