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
import { EfficientNet } from './efficientnet';
import { EfficientNetV2 } from './efficientnet_v2';
import { MobileOne } from './mobileone';
import { RepLKNet } from './replknet';
import { RepMLPNet } from './repmlp';
import { RepVGG } from './repvgg';
import { DenseNet } from './densenet';
import { HRNet } from './hrnet';
import { InceptionV3 } from './inception_v3';
import { RegNet } from './regnet';
import { Res2Net } from './res2net';
import { ResNeSt } from './resnest';
import { SEResNeXt } from './seresnext';
import { ShuffleNetV1 } from './shufflenet_v1';
import { CSPDarkNet, CSPResNet, CSPResNeXt } from './cspnet';
import { VAN } from './van';
import { HorNet } from './hornet';
import { MobileViT } from './mobilevit';
import { EfficientFormer } from './efficientformer';
import { EdgeNeXt } from './edgenext';
import { Conformer } from './conformer';
import { SwinTransformer } from './swin_transformer';
import { SwinTransformerV2 } from './swin_transformer_v2';
import { DeiT3 } from './deit3';
import { MoCoV3ViT } from './mocov3_vit';
import { BEiTViT } from './beit';
import { ViTSAM } from './vit_sam';
import { ViTEVA02 } from './vit_eva02';
import { RevVisionTransformer } from './revvit';
import { MlpMixer } from './mlp_mixer';
import { XCiT } from './xcit';
import { T2T_ViT } from './t2t_vit';
import { LeViT } from './levit';
import { TinyViT } from './tinyvit';
import { DaViT } from './davit';
import { PCPVT, SVT } from './twins';
import { PyramidVig, Vig } from './vig';
import { HiViT } from './hivit';
import { TNT } from './tnt';
import { MixMIMTransformer } from './mixmim';
import { MViT } from './mvit';
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
  ['EfficientNet', EfficientNet],
  ['EfficientNetV2', EfficientNetV2],
  ['RepVGG', RepVGG],
  ['MobileOne', MobileOne],
  ['RepLKNet', RepLKNet],
  ['RepMLPNet', RepMLPNet],
  ['HRNet', HRNet],
  ['DenseNet', DenseNet],
  ['InceptionV3', InceptionV3],
  ['Res2Net', Res2Net],
  ['ResNeSt', ResNeSt],
  ['SEResNeXt', SEResNeXt],
  ['RegNet', RegNet],
  ['ShuffleNetV1', ShuffleNetV1],
  ['CSPDarkNet', CSPDarkNet],
  ['CSPResNet', CSPResNet],
  ['CSPResNeXt', CSPResNeXt],
  ['VAN', VAN],
  ['HorNet', HorNet],
  ['MobileViT', MobileViT],
  ['EfficientFormer', EfficientFormer],
  ['EdgeNeXt', EdgeNeXt],
  ['Conformer', Conformer],
  ['SwinTransformer', SwinTransformer],
  ['SwinTransformerV2', SwinTransformerV2],
  ['DeiT3', DeiT3],
  ['MoCoV3ViT', MoCoV3ViT],
  ['BEiTViT', BEiTViT],
  ['ViTSAM', ViTSAM],
  ['ViTEVA02', ViTEVA02],
  ['RevVisionTransformer', RevVisionTransformer],
  ['MlpMixer', MlpMixer],
  ['XCiT', XCiT],
  ['T2T_ViT', T2T_ViT],
  ['LeViT', LeViT],
  ['TinyViT', TinyViT],
  ['PCPVT', PCPVT],
  ['SVT', SVT],
  ['DaViT', DaViT],
  ['Vig', Vig],
  ['PyramidVig', PyramidVig],
  ['HiViT', HiViT],
  ['TNT', TNT],
  ['MixMIMTransformer', MixMIMTransformer],
  ['MViT', MViT],
];
