/** What the CAM panel makes of an image handed over by another panel: an image file, a target category, a note. */
import type { HandoffImage } from '../../store/imageHandoff';
import { rgbaToPng } from './png';

/** The hand-off as an image file for the CAM pipeline: RGBA pixels become `<name>.png`; bytes are copied. */
export function handoffFile(image: HandoffImage): { name: string; bytes: ArrayBuffer } {
  const p = image.picture;
  if (p.kind === 'encoded') return { name: image.name, bytes: p.bytes.slice(0) };
  const name = /\.png$/i.test(image.name) ? image.name : `${image.name.replace(/\.[^./\\]+$/, '')}.png`;
  return { name, bytes: rgbaToPng(p) };
}

/** The target category the CAM opens with: an inference result's predicted class; null (the model's prediction) else. */
export function handoffCategory(image: HandoffImage): number | null {
  return image.source === 'inference' && image.predicted ? image.predicted.index : null;
}

const labelText = (l: { index: number; name?: string; score?: number }) => `${l.index}${l.name ? ` (${l.name})` : ''}${l.score !== undefined ? ` ${(l.score * 100).toFixed(1)}%` : ''}`;

/** One line on where the image came from: `dog.jpg from the Inference panel, predicted 5 (dog) 87.0%`. */
export function handoffNote(image: HandoffImage): string {
  const parts = [`${image.name} from the ${image.source === 'inference' ? 'Inference' : 'Dataset'} panel`];
  if (image.predicted) parts.push(`predicted ${labelText(image.predicted)}`);
  if (image.groundTruth) parts.push(`ground truth ${labelText(image.groundTruth)}`);
  if (image.model) parts.push(`model ${image.model.name}${image.model.checkpoint ? ` with ${image.model.checkpoint.name}` : ''}`);
  return parts.join(', ');
}
