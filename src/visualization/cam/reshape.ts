/**
 * vis_cam's `reshape_transform`: a target layer's output in the layout the CAM formulas read (N, H, W, C).
 * 4-D outputs (the engine's NHWC feature maps) pass; ViT-like token outputs (N, L, C) drop the extra tokens and
 * become a square map; anything else is refused with the tool's messages.
 */

/** A batch of maps, channels last: `data` holds n·h·w·c values. */
export interface NHWCMaps {
  data: Float32Array;
  shape: [number, number, number, number];
}

/** Options of {@link reshapeToMaps}. */
export interface ReshapeOptions {
  /** `--vit-like`: accept token outputs. Default: false. */
  vitLike?: boolean;
  /** Extra tokens to drop before the patch tokens (class token…). */
  numExtraTokens: number;
}

/** Turns a layer output (`data` of `shape`) into NHWC maps as vis_cam's `reshape_transform`. */
export function reshapeToMaps(data: Float32Array, shape: readonly number[], { vitLike = false, numExtraTokens }: ReshapeOptions): NHWCMaps {
  if (shape.length === 4) return { data, shape: [shape[0], shape[1], shape[2], shape[3]] };
  if (shape.length === 3) {
    if (!vitLike) throw new Error(`The tensor shape is [${shape.join(', ')}], if it's a vit-like backbone, please specify \`--vit-like\`.`);
    const [n, l, c] = shape;
    const area = l - numExtraTokens;
    const side = Math.trunc(Math.sqrt(Math.max(area, 0)));
    if (area <= 0 || side * side !== area) {
      throw new Error(
        `The input feature's length (${l}) minus num-extra-tokens (${numExtraTokens}) is ${area}, which is not a perfect square number. Please check if you used a wrong num-extra-tokens.`,
      );
    }
    const out = new Float32Array(n * area * c);
    for (let b = 0; b < n; b++) out.set(data.subarray((b * l + numExtraTokens) * c, (b + 1) * l * c), b * area * c);
    return { data: out, shape: [n, side, side, c] };
  }
  throw new Error(`Unsupported tensor shape [${shape.join(', ')}].`);
}
