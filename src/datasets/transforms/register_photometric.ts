/** Photometric, auto-augment and mask-generator transforms for `register_all.ts`. */
import type { Constructor } from '../../registry';
import {
  AutoAugment, AutoContrast, Brightness, ColorTransform, Contrast, Cutout, Equalize, GaussianBlur, Invert,
  Posterize, RandAugment, Rotate, Sharpness, Shear, Solarize, SolarizeAdd, Translate,
} from './auto_augment';
import { ColorJitter, Lighting } from './processing';
import { BEiTMaskGenerator, SimMIMMaskGenerator } from './processing_masks';

export const TRANSFORM_CLASSES_PHOTOMETRIC: [string, Constructor][] = [
  ['ColorJitter', ColorJitter],
  ['Lighting', Lighting],
  ['AutoAugment', AutoAugment],
  ['RandAugment', RandAugment],
  ['Shear', Shear],
  ['Translate', Translate],
  ['Rotate', Rotate],
  ['AutoContrast', AutoContrast],
  ['Invert', Invert],
  ['Equalize', Equalize],
  ['Solarize', Solarize],
  ['SolarizeAdd', SolarizeAdd],
  ['Posterize', Posterize],
  ['Contrast', Contrast],
  ['ColorTransform', ColorTransform],
  ['Brightness', Brightness],
  ['Sharpness', Sharpness],
  ['Cutout', Cutout],
  ['GaussianBlur', GaussianBlur],
  ['SimMIMMaskGenerator', SimMIMMaskGenerator],
  ['BEiTMaskGenerator', BEiTMaskGenerator],
];
