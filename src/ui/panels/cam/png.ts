/** PNG bytes of RGBA pictures (the grid export, dataset samples handed to the CAM panel). */
import { encode } from 'fast-png';
import type { RgbaImage } from '../../../tools/visualization/browse_dataset';

/** An RGBA picture as a PNG file (its own buffer). */
export function rgbaToPng(img: Pick<RgbaImage, 'width' | 'height'> & { data: Uint8ClampedArray | Uint8Array }): ArrayBuffer {
  const png = encode({ width: img.width, height: img.height, data: new Uint8Array(img.data.buffer, img.data.byteOffset, img.data.byteLength), channels: 4, depth: 8 });
  return png.buffer.slice(png.byteOffset, png.byteOffset + png.byteLength) as ArrayBuffer;
}
