/** One CAM (a method on a target layer) painted on a canvas, with a PNG export. */
import { useEffect, useRef } from 'react';
import { rgbToRgba } from './blend';

/**
 * `title` names the map (export button, file); `caption` is what is shown above it (default: the title; the grid
 * shows only the map size, its column and row name the method and the layer).
 */
export function CamCanvas({ title, caption, rgb, width, height, testId, fileName, layer }: { title: string; caption?: string; rgb: Uint8Array; width: number; height: number; testId: string; fileName: string; layer?: string }) {
  const ref = useRef<HTMLCanvasElement>(null);
  useEffect(() => {
    const ctx = ref.current?.getContext('2d');
    if (!ctx) return;
    ctx.putImageData(new ImageData(rgbToRgba(rgb), width, height), 0, 0);
  }, [rgb, width, height]);
  const exportPng = () => {
    ref.current?.toBlob((blob) => {
      if (!blob) return;
      const a = document.createElement('a');
      a.href = URL.createObjectURL(blob);
      a.download = fileName;
      a.click();
      setTimeout(() => URL.revokeObjectURL(a.href), 1000);
    }, 'image/png');
  };
  const scale = Math.max(1, Math.floor(224 / Math.max(width, height)));
  return (
    <figure className="cam-figure">
      <figcaption>{caption ?? title}</figcaption>
      <canvas ref={ref} width={width} height={height} data-testid={testId} data-layer={layer} style={{ width: width * scale, maxWidth: '100%', height: 'auto', imageRendering: scale > 1 ? 'pixelated' : 'auto' }} />
      <button type="button" className="secondary" onClick={exportPng} aria-label={`export ${title}${layer ? ` of ${layer}` : ''} as PNG`}>
        Export PNG
      </button>
    </figure>
  );
}
