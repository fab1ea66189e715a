/**
 * Registers every model component in `MODELS` (explicit `[name, class]` lists, as MMPretrain's `__init__.py`).
 * Class `name`s are pinned to the registry name so module trees print the same in minified bundles.
 */
import { MODELS } from '../registry';
import type { Constructor } from '../registry';
import { BACKBONES } from './backbones';
import { ImageClassifier } from './classifiers/image';
import { ClsHead } from './heads/cls_head';
import { LinearClsHead } from './heads/linear_head';
import { MultiLabelClsHead, MultiLabelLinearClsHead } from './heads/multi_label_cls_head';
import { StackedLinearClsHead } from './heads/stacked_head';
import { DeiTClsHead, VisionTransformerClsHead } from './heads/vision_transformer_head';
import { AsymmetricLoss, CrossEntropyLoss, FocalLoss, LabelSmoothLoss } from './losses';
import { GeneralizedMeanPooling } from './necks/gem';
import { GlobalAveragePooling } from './necks/gap';
import { CutMix, Mixup, RandomBatchAugment, ResizeMix } from './utils/batch_augments';
import { ClsDataPreprocessor } from './utils/data_preprocessor';
import { HRFuseScales } from './necks/hr_fuse';
import { EfficientFormerClsHead } from './heads/efficientformer_head';
import { ConformerHead } from './heads/conformer_head';
import { CSRAClsHead } from './heads/multi_label_csra_head';
import { ClsBatchNormNeck } from './necks/cls_batch_norm';
import { LoRAModel } from './peft/lora';
import { LeViTClsHead } from './heads/levit_head';
import { VigClsHead } from './heads/vig_head';

const components: [string, Constructor][] = [
  ['ImageClassifier', ImageClassifier],
  ...BACKBONES,
  ['GlobalAveragePooling', GlobalAveragePooling],
  ['GeneralizedMeanPooling', GeneralizedMeanPooling],
  ['ClsHead', ClsHead],
  ['LinearClsHead', LinearClsHead],
  ['StackedLinearClsHead', StackedLinearClsHead],
  ['VisionTransformerClsHead', VisionTransformerClsHead],
  ['DeiTClsHead', DeiTClsHead],
  ['MultiLabelClsHead', MultiLabelClsHead],
  ['MultiLabelLinearClsHead', MultiLabelLinearClsHead],
  ['HRFuseScales', HRFuseScales],
  ['EfficientFormerClsHead', EfficientFormerClsHead],
  ['ConformerHead', ConformerHead],
  ['CSRAClsHead', CSRAClsHead],
  ['ClsBatchNormNeck', ClsBatchNormNeck],
  ['LoRAModel', LoRAModel],
  ['LeViTClsHead', LeViTClsHead],
  ['VigClsHead', VigClsHead],
  ['CrossEntropyLoss', CrossEntropyLoss],
  ['LabelSmoothLoss', LabelSmoothLoss],
  ['FocalLoss', FocalLoss],
  ['AsymmetricLoss', AsymmetricLoss],
  ['ClsDataPreprocessor', ClsDataPreprocessor],
  ['Mixup', Mixup],
  ['CutMix', CutMix],
  ['ResizeMix', ResizeMix],
  ['RandomBatchAugment', RandomBatchAugment],
];

let done = false;

export function registerModels(): void {
  if (done) return;
  done = true;
  for (const [name, ctor] of components) {
    Object.defineProperty(ctor, 'name', { value: name });
    MODELS.registerClass(name, ctor);
  }
}
