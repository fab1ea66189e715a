/** Backbones, as `[registry name, class]` pairs. */
import type { Constructor } from '../../registry';
import { LeNet5 } from './lenet';

export { BaseBackbone } from './base_backbone';
export { LeNet5 };

export const BACKBONES: [string, Constructor][] = [['LeNet5', LeNet5]];
