/** What the CAM panel and the engine worker's `cam` service exchange (plain data: it crosses postMessage). */
import type { PixelData, ImageArray } from '../../../image/image';
import type { ModuleRow } from '../../../visualization/cam/target_layers';

/** A config as the panel has it: a plain dict (studio store, dropped JSON) or dropped `.py` text. */
export type CamConfigSource = { kind: 'dict'; name: string; dict: Record<string, unknown> } | { kind: 'py'; name: string; text: string };

export interface CamSettings {
  methods: string[];
  /** Target layer names, one CAM row each (`--target-layers a b`); empty: vis_cam's default layer. */
  layers: string[];
  /** Target class; null: the predicted class. */
  category: number | null;
  eigenSmooth: boolean;
  augSmooth: boolean;
  vitLike: boolean;
  numExtraTokens: number | null;
}

export interface LoadResult {
  backend: string;
  tree: ModuleRow[];
  defaultLayer: string | null;
  defaultLayerNote: string;
  classes: string[];
  numClasses: number;
  vitLike: boolean;
  numExtraTokens: number | null;
  loadNote: string;
  pipeline: string[];
  pipelineFromConfig: boolean;
}

export interface ImageResult {
  /** The model input as vis_cam's `src_img`: HWC float [0, 1], 3 channels, BGR. */
  input: { data: Float32Array; height: number; width: number };
  original: ImageArray<PixelData>;
  /** The pipeline can map the model input back onto the original (resizes and centre crops only). */
  mappable: boolean;
  steps: string[];
  top: { index: number; name: string; score: number }[];
}

export interface MethodMaps {
  method: string;
  /** H × W over the model input. */
  grayscale: Float32Array;
  /** The layer's map at feature resolution; null in the aggregate row (layers of several resolutions). */
  feature: { data: Float32Array; height: number; width: number } | null;
  /** W_orig × H_orig map on the original image (-1 outside the model's view), or null. */
  original: Float32Array | null;
}

/** One row of the panel's grid: every method's CAM for one target layer, or vis_cam's aggregate of all of them. */
export interface CamRow {
  /** The layer's canonical name; for the aggregate, the layers joined with ' + '. */
  layer: string;
  /** 'layer': one target layer; 'aggregate': what vis_cam draws for several layers (mean of the layers' CAMs). */
  kind: 'layer' | 'aggregate';
  maps: MethodMaps[];
}

export interface CamRunResult {
  /** The target layers' canonical names, in the order asked (duplicates removed). */
  layers: string[];
  category: number;
  categoryName: string;
  /** One row per layer, then the aggregate row when there are several layers. */
  rows: CamRow[];
  ms: number;
}

/** The map buffers of a CAM run, to transfer rather than copy. */
export function camTransferables(result: CamRunResult): ArrayBuffer[] {
  const maps = result.rows.flatMap((r) => r.maps);
  return [...new Set(maps.flatMap((m) => [m.grayscale.buffer, ...(m.feature ? [m.feature.data.buffer] : []), ...(m.original ? [m.original.buffer] : [])]) as ArrayBuffer[])];
}
