/** What the Inference panel and the engine worker's `inference` service exchange (plain data: it crosses postMessage). */

/** A config as the panel sends it: resolved to a plain dict on the page (shipped, studio, dropped `.py` or JSON). */
export interface ConfigSource {
  /** Shown in messages and results (`resnet18_8xb16_cifar10`, `lenet5_cfg.json`). */
  name: string;
  dict: Record<string, unknown>;
}

/** A loaded model as the panel shows it. */
export interface LoadResult {
  name: string;
  /** The tfjs backend the worker actually runs (the one asked for, or its fallback when that cannot start there). */
  backend: string;
  /** The backend the panel asked for. */
  requestedBackend: string;
  /** Why `backend` differs from `requestedBackend` ('' when they are the same). */
  backendNote: string;
  checkpoint: { name: string; format: string } | null;
  numClasses: number | null;
  classes: string[] | null;
  classesNote: string;
  /** The load report (missing / unexpected / mismatched keys) when the checkpoint did not match exactly; '' if clean. */
  loadWarning: string;
  /** The test pipeline's transform types, in order. */
  pipeline: string[];
  pipelineFromConfig: boolean;
  /** BatchNorm folded into the convolutions (MMPretrain `--fuse-conv-bn`). */
  fusedConvBn: boolean;
  ms: number;
}

/** One image's prediction (plain data; the full score vector is kept for the JSON download). */
export interface ImagePrediction {
  image: string;
  pred_label: number;
  pred_score: number;
  pred_class?: string;
  topk: { label: number; score: number; name?: string }[];
  pred_scores: number[];
  /** Pipeline + forward time of this image, in ms. */
  ms: number;
  /** The forward pass alone (data preprocessor, model, reading the scores back), in ms. */
  forwardMs: number;
  /** The first image after a model load: its forward pass includes shader compilation and weight upload on GPU backends. */
  first: boolean;
  /** The tfjs backend that ran it. */
  backend: string;
}
