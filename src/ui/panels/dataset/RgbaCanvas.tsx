/** Draws an RGBA picture (a browse_dataset frame) into a canvas, pixels kept sharp when scaled by CSS. */
import { useEffect, useRef } from 'react';
import type { RgbaImage } from '../../../tools/visualization/browse_dataset';

export function RgbaCanvas({ image, testId, maxWidth, label }: { image: RgbaImage; testId?: string; maxWidth?: number; label?: string }) {
  const ref = useRef<HTMLCanvasElement>(null);
  useEffect(() => {
    const canvas = ref.current;
    const ctx = canvas?.getContext('2d');
    if (!canvas || !ctx) return;
    canvas.width = image.width;
    canvas.height = image.height;
    ctx.putImageData(new ImageData(new Uint8ClampedArray(image.data), image.width, image.height), 0, 0);
  }, [image]);
  return <canvas ref={ref} data-testid={testId} aria-label={label} role="img" className="rgba-canvas" style={{ maxWidth: maxWidth ?? '100%' }} />;
}
