/** Backbones, as `[registry name, class]` pairs. */
import type { Constructor } from '../../registry';
import { LeNet5 } from './lenet';
import { MobileNetV2 } from './mobilenet_v2';
import { MobileNetV3 } from './mobilenet_v3';
import { ResNet, ResNetV1c, ResNetV1d, ResNet_CIFAR, ResNeXt, SEResNet } from './resnet';
import { ShuffleNetV2 } from './shufflenet_v2';
import { VGG } from './vgg';
// <zoo-imports:A>
// <zoo-imports:B>
// <zoo-imports:C>
// <zoo-imports:D>
// <zoo-imports:E>
// <zoo-imports:F>
// <zoo-imports:G>
// <zoo-imports:H>
import { DistilledVisionTransformer, VisionTransformer } from './vision_transformer';

export { BaseBackbone, runStages } from './base_backbone';
export { LeNet5, MobileNetV2, MobileNetV3, ResNet, ResNetV1c, ResNetV1d, ResNet_CIFAR, ResNeXt, SEResNet, ShuffleNetV2, VGG, VisionTransformer, DistilledVisionTransformer };

export const BACKBONES: [string, Constructor][] = [
  ['LeNet5', LeNet5],
  ['ResNet', ResNet],
  ['ResNetV1c', ResNetV1c],
  ['ResNetV1d', ResNetV1d],
  ['ResNet_CIFAR', ResNet_CIFAR],
  ['ResNeXt', ResNeXt],
  ['SEResNet', SEResNet],
  ['MobileNetV2', MobileNetV2],
  ['MobileNetV3', MobileNetV3],
  ['VGG', VGG],
  ['ShuffleNetV2', ShuffleNetV2],
  ['VisionTransformer', VisionTransformer],
  ['DistilledVisionTransformer', DistilledVisionTransformer],
  // <zoo-list:A>
  // <zoo-list:B>
  // <zoo-list:C>
  // <zoo-list:D>
  // <zoo-list:E>
  // <zoo-list:F>
  // <zoo-list:G>
  // <zoo-list:H>
];
