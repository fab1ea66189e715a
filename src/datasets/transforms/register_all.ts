/** Registers every data transform in `TRANSFORMS` (explicit list, so bundlers keep each class a config may name). */
import { TRANSFORMS } from '../../registry';
import type { Constructor } from '../../registry';
import { Compose } from './compose';
import { Collect, NumpyToPIL, PackInputs, PassThrough, PILToNumpy, Transpose } from './formatting';
import { LoadImageFromFile } from './loading';
import {
  CenterCrop, EfficientNetCenterCrop, EfficientNetRandomCrop, Pad, RandomCrop, RandomErasing, RandomFlip,
  Normalize, RandomGrayscale, RandomResize, RandomResizedCrop, Resize, ResizeEdge,
} from './processing';
import { MultiView, RandomApply, RandomChoice } from './wrappers';
import { TRANSFORM_CLASSES_PHOTOMETRIC } from './register_photometric';

const CLASSES: [string, Constructor][] = [
  ['LoadImageFromFile', LoadImageFromFile],
  ['Resize', Resize],
  ['RandomResize', RandomResize],
  ['ResizeEdge', ResizeEdge],
  ['Pad', Pad],
  ['CenterCrop', CenterCrop],
  ['RandomCrop', RandomCrop],
  ['RandomResizedCrop', RandomResizedCrop],
  ['EfficientNetRandomCrop', EfficientNetRandomCrop],
  ['EfficientNetCenterCrop', EfficientNetCenterCrop],
  ['RandomFlip', RandomFlip],
  ['RandomGrayscale', RandomGrayscale],
  ['RandomErasing', RandomErasing],
  ['PackInputs', PackInputs],
  ['Collect', Collect],
  ['Transpose', Transpose],
  ['NumpyToPIL', NumpyToPIL],
  ['PILToNumpy', PILToNumpy],
  ['MultiView', MultiView],
  ['RandomApply', RandomApply],
  ['RandomChoice', RandomChoice],
  ['Normalize', Normalize],
  ['Compose', Compose],
  ...TRANSFORM_CLASSES_PHOTOMETRIC,
];

/** MMClassification 0.x transform names and what they map to in 1.x. */
const ALIASES: [string, string, string][] = [
  ['PackClsInputs', 'PackInputs', 'MMPretrain 1.x renamed PackClsInputs to PackInputs.'],
  ['ToTensor', 'NoOpToTensor', 'Arrays are packed by PackInputs in 1.x; ToTensor keeps the value.'],
  ['ImageToTensor', 'NoOpToTensor', 'PackInputs converts the image to CHW in 1.x; ImageToTensor keeps the image.'],
  ['ToNumpy', 'PILToNumpy', 'ToNumpy is the old name of PILToNumpy.'],
];

let done = false;

/** Registers the transforms once. */
export function registerTransforms(): void {
  if (done) return;
  done = true;
  for (const [name, ctor] of CLASSES) TRANSFORMS.registerClass(name, ctor);
  TRANSFORMS.registerFunction('NoOpToTensor', (cfg: Record<string, unknown>) => new PassThrough('ToTensor', cfg, { keys: [] }));
  for (const [oldName, target, note] of ALIASES) TRANSFORMS.registerAlias(oldName, target, note);
}
