/** Backbones, as `[registry name, class]` pairs. */
import type { Constructor } from '../../registry';
import { LeNet5 } from './lenet';
import { MobileNetV2 } from './mobilenet_v2';
import { MobileNetV3 } from './mobilenet_v3';
import { ResNet, ResNetV1c, ResNetV1d, ResNet_CIFAR, ResNeXt, SEResNet } from './resnet';
import { ShuffleNetV2 } from './shufflenet_v2';
import { VGG } from './vgg';
import { ConvMixer } from './convmixer';
import { ConvNeXt } from './convnext';
import { PoolFormer } from './poolformer';
import { RIFormer } from './riformer';
// <zoo-imports:A>
import { EfficientNet } from './efficientnet';
import { EfficientNetV2 } from './efficientnet_v2';
// <zoo-imports:B>
import { MobileOne } from './mobileone';
import { RepLKNet } from './replknet';
import { RepMLPNet } from './repmlp';
import { RepVGG } from './repvgg';
// <zoo-imports:C>
import { DenseNet } from './densenet';
import { HRNet } from './hrnet';
import { InceptionV3 } from './inception_v3';
// <zoo-imports:D>
import { RegNet } from './regnet';
import { Res2Net } from './res2net';
import { ResNeSt } from './resnest';
import { SEResNeXt } from './seresnext';
import { ShuffleNetV1 } from './shufflenet_v1';
// <zoo-imports:E>
import { CSPDarkNet, CSPResNet, CSPResNeXt } from './cspnet';
import { VAN } from './van';
import { HorNet } from './hornet';
// <zoo-imports:F>
import { MobileViT } from './mobilevit';
import { EfficientFormer } from './efficientformer';
import { EdgeNeXt } from './edgenext';
// <zoo-imports:G>
import { Conformer } from './conformer';
// <zoo-imports:H>
import { SwinTransformer } from './swin_transformer';
import { SwinTransformerV2 } from './swin_transformer_v2';
// <zoo-imports:I>
import { DeiT3 } from './deit3';
import { MoCoV3ViT } from './mocov3_vit';
import { BEiTViT } from './beit';
import { ViTSAM } from './vit_sam';
// <zoo-imports:J>
import { ViTEVA02 } from './vit_eva02';
import { RevVisionTransformer } from './revvit';
// <zoo-imports:K>
import { MlpMixer } from './mlp_mixer';
import { XCiT } from './xcit';
import { T2T_ViT } from './t2t_vit';
// <zoo-imports:L>
import { LeViT } from './levit';
import { TinyViT } from './tinyvit';
// <zoo-imports:M>
import { DaViT } from './davit';
import { PCPVT, SVT } from './twins';
// <zoo-imports:N>
import { PyramidVig, Vig } from './vig';
import { HiViT } from './hivit';
// <zoo-imports:O>
import { TNT } from './tnt';
import { MixMIMTransformer } from './mixmim';
// <zoo-imports:P>
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
  ['ConvNeXt', ConvNeXt],
  ['ConvMixer', ConvMixer],
  ['PoolFormer', PoolFormer],
  ['RIFormer', RIFormer],
  // <zoo-list:A>
  ['EfficientNet', EfficientNet],
  ['EfficientNetV2', EfficientNetV2],
  // <zoo-list:B>
  ['RepVGG', RepVGG],
  ['MobileOne', MobileOne],
  ['RepLKNet', RepLKNet],
  ['RepMLPNet', RepMLPNet],
  // <zoo-list:C>
  ['HRNet', HRNet],
  ['DenseNet', DenseNet],
  ['InceptionV3', InceptionV3],
  // <zoo-list:D>
  ['Res2Net', Res2Net],
  ['ResNeSt', ResNeSt],
  ['SEResNeXt', SEResNeXt],
  ['RegNet', RegNet],
  ['ShuffleNetV1', ShuffleNetV1],
  // <zoo-list:E>
  ['CSPDarkNet', CSPDarkNet],
  ['CSPResNet', CSPResNet],
  ['CSPResNeXt', CSPResNeXt],
  ['VAN', VAN],
  ['HorNet', HorNet],
  // <zoo-list:F>
  ['MobileViT', MobileViT],
  ['EfficientFormer', EfficientFormer],
  ['EdgeNeXt', EdgeNeXt],
  // <zoo-list:G>
  ['Conformer', Conformer],
  // <zoo-list:H>
  ['SwinTransformer', SwinTransformer],
  ['SwinTransformerV2', SwinTransformerV2],
  // <zoo-list:I>
  ['DeiT3', DeiT3],
  ['MoCoV3ViT', MoCoV3ViT],
  ['BEiTViT', BEiTViT],
  ['ViTSAM', ViTSAM],
  // <zoo-list:J>
  ['ViTEVA02', ViTEVA02],
  ['RevVisionTransformer', RevVisionTransformer],
  // <zoo-list:K>
  ['MlpMixer', MlpMixer],
  ['XCiT', XCiT],
  ['T2T_ViT', T2T_ViT],
  // <zoo-list:L>
  ['LeViT', LeViT],
  ['TinyViT', TinyViT],
  // <zoo-list:M>
  ['PCPVT', PCPVT],
  ['SVT', SVT],
  ['DaViT', DaViT],
  // <zoo-list:N>
  ['Vig', Vig],
  ['PyramidVig', PyramidVig],
  ['HiViT', HiViT],
  // <zoo-list:O>
  ['TNT', TNT],
  ['MixMIMTransformer', MixMIMTransformer],
  // <zoo-list:P>
];
