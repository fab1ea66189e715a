/**
 * "Explain with CAM" from other panels: the image (and, from the Inference panel, its prediction and the model
 * that made it) goes through the image hand-off store, then the studio routes to the CAM panel, which takes it.
 */
import { releasedWeightsOf } from '../../../apis/released';
import type { BrowsedSample } from '../../../tools/visualization/browse_dataset';
import { goToPanel } from '../../navigation';
import { useImageHandoff, type HandoffImage, type HandoffModel } from '../../store/imageHandoff';
import { loadLastChoice, readCachedCheckpoint, type LastChoice } from '../inference/checkpointCache';

/** Where the Inference panel's model is found (injected in tests). */
export interface InferenceModelSources {
  /** The panel's current choice (saved whenever it loads a model). */
  lastChoice(): LastChoice | null;
  /** A checkpoint kept offline by the Inference panel (dropped checkpoints), or null. */
  cachedCheckpoint(name: string): Promise<Blob | null>;
  /** Released weights served with the studio (`public/` path). */
  releasedWeights(path: string): Promise<Blob>;
}

const browserSources: InferenceModelSources = {
  lastChoice: loadLastChoice,
  cachedCheckpoint: (name) => readCachedCheckpoint(name).catch(() => null),
  releasedWeights: async (path) => {
    const res = await fetch(`${import.meta.env.BASE_URL}${path}`);
    if (!res.ok) throw new Error(`${path}: HTTP ${res.status}`);
    return res.blob();
  },
};

/**
 * The model the Inference panel has loaded: its config dict and checkpoint bytes (from the offline cache, or the
 * shipped model's released weights). `model` is null, with the reason in `note`, when there is none or its
 * checkpoint cannot be read here.
 */
export async function inferenceModel(sources: InferenceModelSources = browserSources): Promise<{ model: HandoffModel | null; note: string }> {
  const last = sources.lastChoice();
  if (!last) return { model: null, note: 'the Inference panel has no model' };
  const base = { name: last.shipped ?? last.config.name, config: last.config.dict };
  if (!last.checkpoint) return { model: { ...base, checkpoint: null }, note: '' };
  let blob = await sources.cachedCheckpoint(last.checkpoint);
  const released = last.shipped ? releasedWeightsOf(last.shipped) : null;
  if (!blob && released && released.path.replace(/^.*\//, '') === last.checkpoint) {
    try {
      blob = await sources.releasedWeights(released.path);
    } catch (e) {
      return { model: null, note: `the released weights of ${base.name} could not be read (${e instanceof Error ? e.message : String(e)}): drop a checkpoint here` };
    }
  }
  if (!blob) return { model: null, note: `the Inference panel's checkpoint ${last.checkpoint} is not kept offline: drop it here` };
  return { model: { ...base, checkpoint: { name: last.checkpoint, bytes: await blob.arrayBuffer() } }, note: '' };
}

/** Hands `image` to the CAM panel and opens it. */
export function openInCam(image: HandoffImage): void {
  useImageHandoff.getState().send(image);
  goToPanel('cam');
}

/** An Inference panel result: the dropped file, its predicted class as the target category, the panel's model. */
export async function explainInferenceResult(image: { name: string; bytes: ArrayBuffer }, prediction: { pred_label: number; pred_score: number; pred_class?: string }): Promise<void> {
  const { model, note } = await inferenceModel();
  openInCam({
    source: 'inference',
    name: image.name,
    picture: { kind: 'encoded', bytes: image.bytes.slice(0) },
    predicted: { index: prediction.pred_label, score: prediction.pred_score, ...(prediction.pred_class !== undefined ? { name: prediction.pred_class } : {}) },
    model,
    ...(note ? { note } : {}),
  });
}

/**
 * A Dataset panel sample: its image before the pipeline (the first traced step, as loaded: the CAM runs the
 * model's own test pipeline on it) and its ground truth. The CAM panel keeps its model (or takes the Inference
 * panel's).
 */
export function explainDatasetSample(sample: BrowsedSample): void {
  const original = sample.steps[0]?.images[0];
  if (!original) throw new Error(`sample ${sample.index}: no image to explain`);
  const gt = sample.gtLabel?.[0];
  openInCam({
    source: 'dataset',
    name: sample.filename,
    picture: { kind: 'rgba', data: original.data, width: original.width, height: original.height },
    groundTruth: gt !== undefined ? { index: gt } : null,
  });
}
