/** One browsed sample: its frame, file name, ground truth, and what the random transforms drew (pinnable). */
import type { BrowsedSample } from '../../../tools/visualization/browse_dataset';
import { explainDatasetSample } from '../cam/openInCam';
import { RgbaCanvas } from './RgbaCanvas';

export function SampleCard({ sample, pinned, onTogglePin }: { sample: BrowsedSample; pinned: boolean; onTogglePin: () => void }) {
  const drawn = Object.keys(sample.randomParams).length > 0;
  return (
    <figure className="sample-card card" data-testid="dataset-sample" data-index={sample.index}>
      <RgbaCanvas image={sample.frame} testId="dataset-frame" label={`sample ${sample.index}: ${sample.labelText}`} />
      <figcaption>
        <div className="sample-title">
          <strong>#{sample.index}</strong> <span className="muted">{sample.filename}</span>
        </div>
        <div className="sample-label">{sample.labelText || <span className="muted">no label</span>}</div>
        <button type="button" className="secondary" onClick={() => explainDatasetSample(sample)} title="Open this sample's image in the CAM panel">
          Open in CAM
        </button>
        <div className="muted sample-steps">{sample.steps.map((s) => `${s.name} ${s.shape.slice(0, 2).join('×')}`).join(' → ')}</div>
        {drawn && (
          <details>
            <summary>
              drawn parameters
              <label className="pin" onClick={(e) => e.stopPropagation()}>
                <input type="checkbox" checked={pinned} onChange={onTogglePin} data-testid="pin-params" /> pin
              </label>
            </summary>
            <pre data-testid="drawn-params">{JSON.stringify(sample.randomParams, null, 1)}</pre>
          </details>
        )}
      </figcaption>
    </figure>
  );
}
