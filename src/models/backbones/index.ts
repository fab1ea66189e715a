/** Backbones, as `[registry name, class]` pairs. */
import type { Constructor } from '../../registry';
import { LeNet5 } from './lenet';
import { ResNet, ResNetV1c, ResNetV1d, ResNet_CIFAR, ResNeXt, SEResNet } from './resnet';

export { BaseBackbone } from './base_backbone';
export { LeNet5, ResNet, ResNetV1c, ResNetV1d, ResNet_CIFAR, ResNeXt, SEResNet };

export const BACKBONES: [string, Constructor][] = [
  ['LeNet5', LeNet5],
  ['ResNet', ResNet],
  ['ResNetV1c', ResNetV1c],
  ['ResNetV1d', ResNetV1d],
  ['ResNet_CIFAR', ResNet_CIFAR],
  ['ResNeXt', ResNeXt],
  ['SEResNet', SEResNet],
];
