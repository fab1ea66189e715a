/**
 * Inception V3 (MMPretrain `backbones/inception_v3.py`, from torchvision): a fixed 299×299 network whose
 * backbone already ends in the classifier (`avgpool`, `dropout`, `fc`), optionally with the auxiliary classifier
 * `AuxLogits` after `Mixed_6e`. PyTorch returns `(aux, logits)` with `aux = None` unless training with
 * `aux_logits`; here the tuple is flattened without the `None`: `[logits]` or `[aux, logits]`.
 */
import { tf, type Tensor } from '../../backends/tf';
import { ReLU } from '../nn/activation';
import { buildConvLayer, type ConvCfg } from '../nn/bricks';
import { checkKeys } from '../../utils/options';
import { Conv2d } from '../nn/conv';
import { Dropout } from '../nn/dropout';
import type { InitCfg } from '../nn/init';
import type { Pair } from '../nn/layout';
import { Linear } from '../nn/linear';
import { Identity, Module, type AnyModule } from '../nn/module';
import { BatchNorm2d } from '../nn/norm';
import { AdaptiveAvgPool2d, AvgPool2d, MaxPool2d } from '../nn/pooling';
import { BaseBackbone } from './base_backbone';

/** conv (no bias) → BatchNorm2d (eps 1e-3) → ReLU; keys `conv`, `bn`. */
export class BasicConv2d extends Module {
  initCfg: InitCfg | InitCfg[] | null = null;

  constructor(inC: number, outC: number, opts: { kernel_size: Pair; stride?: Pair; padding?: Pair; conv_cfg?: ConvCfg | null }) {
    super();
    this.addModule('conv', buildConvLayer(opts.conv_cfg, { in_channels: inC, out_channels: outC, kernel_size: opts.kernel_size, stride: opts.stride, padding: opts.padding, bias: false }));
    this.addModule('bn', new BatchNorm2d({ num_features: outC, eps: 0.001 }));
    this.addModule('relu', new ReLU()).inplace = true;
  }

  override typeNames(): string[] {
    return ['BasicConv2d'];
  }

  /** After BN folding: the ReLU runs inside the conv kernel. */
  fuseActivations(): void {
    if (this.child('bn') instanceof Identity) this.child<Conv2d>('conv').fusedActivation = 'relu';
  }

  forward(x: Tensor): Tensor {
    return tf.tidy(() => {
      const conv = this.child<Conv2d>('conv');
      const y = this.child('bn').call(conv.call(x)) as Tensor;
      return conv.fusedActivation === 'relu' ? y : (this.child('relu').call(y) as Tensor);
    });
  }
}

/** An Inception block: named branches, each a chain of modules (a pair of chains for InceptionE's split ends), concatenated. */
abstract class InceptionBlock extends Module {
  /** Branches in output order: a chain of child names; a trailing pair concatenates two chains on the same input. */
  protected abstract readonly branches: (string[] | [string[], [string, string]])[];

  protected conv(name: string, inC: number, outC: number, kernel_size: Pair, rest: { stride?: Pair; padding?: Pair } = {}, convCfg: ConvCfg | null = null): void {
    this.addModule(name, new BasicConv2d(inC, outC, { kernel_size, ...rest, conv_cfg: convCfg }));
  }

  private chain(names: string[], x: Tensor): Tensor {
    let y = x;
    for (const n of names) {
      const next = this.child(n).call(y) as Tensor;
      if (y !== x) y.dispose();
      y = next;
    }
    return y;
  }

  forward(x: Tensor): Tensor {
    return tf.tidy(() => {
      const outs = this.branches.map((b) => {
        if (typeof b[0] === 'string') return this.chain(b as string[], x);
        const [head, [a, c]] = b as [string[], [string, string]];
        const h = this.chain(head, x);
        return tf.concat([this.child(a).call(h) as Tensor, this.child(c).call(h) as Tensor], 3);
      });
      return tf.concat(outs, 3);
    });
  }
}

export class InceptionA extends InceptionBlock {
  protected readonly branches = [['branch1x1'], ['branch5x5_1', 'branch5x5_2'], ['branch3x3dbl_1', 'branch3x3dbl_2', 'branch3x3dbl_3'], ['branch_pool_downsample', 'branch_pool']];
  constructor(inC: number, poolFeatures: number, convCfg: ConvCfg | null = null) {
    super();
    this.conv('branch1x1', inC, 64, 1, {}, convCfg);
    this.conv('branch5x5_1', inC, 48, 1, {}, convCfg);
    this.conv('branch5x5_2', 48, 64, 5, { padding: 2 }, convCfg);
    this.conv('branch3x3dbl_1', inC, 64, 1, {}, convCfg);
    this.conv('branch3x3dbl_2', 64, 96, 3, { padding: 1 }, convCfg);
    this.conv('branch3x3dbl_3', 96, 96, 3, { padding: 1 }, convCfg);
    this.addModule('branch_pool_downsample', new AvgPool2d({ kernel_size: 3, stride: 1, padding: 1 }));
    this.conv('branch_pool', inC, poolFeatures, 1, {}, convCfg);
  }
  override typeNames(): string[] {
    return ['InceptionA'];
  }
}

export class InceptionB extends InceptionBlock {
  protected readonly branches = [['branch3x3'], ['branch3x3dbl_1', 'branch3x3dbl_2', 'branch3x3dbl_3'], ['branch_pool']];
  constructor(inC: number, convCfg: ConvCfg | null = null) {
    super();
    this.conv('branch3x3', inC, 384, 3, { stride: 2 }, convCfg);
    this.conv('branch3x3dbl_1', inC, 64, 1, {}, convCfg);
    this.conv('branch3x3dbl_2', 64, 96, 3, { padding: 1 }, convCfg);
    this.conv('branch3x3dbl_3', 96, 96, 3, { stride: 2 }, convCfg);
    this.addModule('branch_pool', new MaxPool2d({ kernel_size: 3, stride: 2 }));
  }
  override typeNames(): string[] {
    return ['InceptionB'];
  }
}

export class InceptionC extends InceptionBlock {
  protected readonly branches = [
    ['branch1x1'],
    ['branch7x7_1', 'branch7x7_2', 'branch7x7_3'],
    ['branch7x7dbl_1', 'branch7x7dbl_2', 'branch7x7dbl_3', 'branch7x7dbl_4', 'branch7x7dbl_5'],
    ['branch_pool_downsample', 'branch_pool'],
  ];
  constructor(inC: number, c7: number, convCfg: ConvCfg | null = null) {
    super();
    const row = { padding: [0, 3] as Pair };
    const col = { padding: [3, 0] as Pair };
    this.conv('branch1x1', inC, 192, 1, {}, convCfg);
    this.conv('branch7x7_1', inC, c7, 1, {}, convCfg);
    this.conv('branch7x7_2', c7, c7, [1, 7], row, convCfg);
    this.conv('branch7x7_3', c7, 192, [7, 1], col, convCfg);
    this.conv('branch7x7dbl_1', inC, c7, 1, {}, convCfg);
    this.conv('branch7x7dbl_2', c7, c7, [7, 1], col, convCfg);
    this.conv('branch7x7dbl_3', c7, c7, [1, 7], row, convCfg);
    this.conv('branch7x7dbl_4', c7, c7, [7, 1], col, convCfg);
    this.conv('branch7x7dbl_5', c7, 192, [1, 7], row, convCfg);
    this.addModule('branch_pool_downsample', new AvgPool2d({ kernel_size: 3, stride: 1, padding: 1 }));
    this.conv('branch_pool', inC, 192, 1, {}, convCfg);
  }
  override typeNames(): string[] {
    return ['InceptionC'];
  }
}

export class InceptionD extends InceptionBlock {
  protected readonly branches = [['branch3x3_1', 'branch3x3_2'], ['branch7x7x3_1', 'branch7x7x3_2', 'branch7x7x3_3', 'branch7x7x3_4'], ['branch_pool']];
  constructor(inC: number, convCfg: ConvCfg | null = null) {
    super();
    this.conv('branch3x3_1', inC, 192, 1, {}, convCfg);
    this.conv('branch3x3_2', 192, 320, 3, { stride: 2 }, convCfg);
    this.conv('branch7x7x3_1', inC, 192, 1, {}, convCfg);
    this.conv('branch7x7x3_2', 192, 192, [1, 7], { padding: [0, 3] }, convCfg);
    this.conv('branch7x7x3_3', 192, 192, [7, 1], { padding: [3, 0] }, convCfg);
    this.conv('branch7x7x3_4', 192, 192, 3, { stride: 2 }, convCfg);
    this.addModule('branch_pool', new MaxPool2d({ kernel_size: 3, stride: 2 }));
  }
  override typeNames(): string[] {
    return ['InceptionD'];
  }
}

export class InceptionE extends InceptionBlock {
  protected readonly branches: (string[] | [string[], [string, string]])[] = [
    ['branch1x1'],
    [['branch3x3_1'], ['branch3x3_2a', 'branch3x3_2b']],
    [['branch3x3dbl_1', 'branch3x3dbl_2'], ['branch3x3dbl_3a', 'branch3x3dbl_3b']],
    ['branch_pool_downsample', 'branch_pool'],
  ];
  constructor(inC: number, convCfg: ConvCfg | null = null) {
    super();
    this.conv('branch1x1', inC, 320, 1, {}, convCfg);
    this.conv('branch3x3_1', inC, 384, 1, {}, convCfg);
    this.conv('branch3x3_2a', 384, 384, [1, 3], { padding: [0, 1] }, convCfg);
    this.conv('branch3x3_2b', 384, 384, [3, 1], { padding: [1, 0] }, convCfg);
    this.conv('branch3x3dbl_1', inC, 448, 1, {}, convCfg);
    this.conv('branch3x3dbl_2', 448, 384, 3, { padding: 1 }, convCfg);
    this.conv('branch3x3dbl_3a', 384, 384, [1, 3], { padding: [0, 1] }, convCfg);
    this.conv('branch3x3dbl_3b', 384, 384, [3, 1], { padding: [1, 0] }, convCfg);
    this.addModule('branch_pool_downsample', new AvgPool2d({ kernel_size: 3, stride: 1, padding: 1 }));
    this.conv('branch_pool', inC, 192, 1, {}, convCfg);
  }
  override typeNames(): string[] {
    return ['InceptionE'];
  }
}

/** The auxiliary classifier on the 17×17 map: 5×5/3 avg pool → 1×1 conv → 5×5 conv → global pool → fc. */
export class InceptionAux extends Module {
  initCfg: InitCfg | InitCfg[] | null;

  constructor(inC: number, numClasses: number, convCfg: ConvCfg | null = null, initCfg?: InitCfg | InitCfg[] | null) {
    super();
    this.initCfg = initCfg === undefined ? [{ type: 'TruncNormal', layer: 'Conv2d', std: 0.01 }, { type: 'TruncNormal', layer: 'Linear', std: 0.001 }] : initCfg;
    this.addModule('downsample', new AvgPool2d({ kernel_size: 5, stride: 3 }));
    this.addModule('conv0', new BasicConv2d(inC, 128, { kernel_size: 1, conv_cfg: convCfg }));
    this.addModule('conv1', new BasicConv2d(128, 768, { kernel_size: 5, conv_cfg: convCfg }));
    this.addModule('gap', new AdaptiveAvgPool2d(1));
    this.addModule('fc', new Linear({ in_features: 768, out_features: numClasses }));
  }

  override typeNames(): string[] {
    return ['InceptionAux'];
  }

  forward(x: Tensor): Tensor {
    return tf.tidy(() => {
      let y = x;
      for (const n of ['downsample', 'conv0', 'conv1', 'gap']) y = this.child(n).call(y) as Tensor;
      return this.child('fc').call(tf.reshape(y, [y.shape[0], -1])) as Tensor;
    });
  }
}

/** Options of `InceptionV3`, named and defaulted as MMPretrain's. */
export interface InceptionV3Options {
  /** Default: 1000. */
  num_classes?: number;
  /** Build `AuxLogits` (its scores are returned in training mode only). Default: false. */
  aux_logits?: boolean;
  /** Dropout before `fc`. Default: 0.5. */
  dropout?: number;
  /** Default: TruncNormal (std 0.1) on Conv2d and Linear, Constant 1 on BatchNorm2d. */
  init_cfg?: InitCfg | InitCfg[] | null;
}

/** The stem and mixed blocks in forward order (AuxLogits branches off after `Mixed_6e`). */
const FEATURES = [
  'Conv2d_1a_3x3', 'Conv2d_2a_3x3', 'Conv2d_2b_3x3', 'maxpool1', 'Conv2d_3b_1x1', 'Conv2d_4a_3x3', 'maxpool2',
  'Mixed_5b', 'Mixed_5c', 'Mixed_5d', 'Mixed_6a', 'Mixed_6b', 'Mixed_6c', 'Mixed_6d', 'Mixed_6e',
];
const TAIL = ['Mixed_7a', 'Mixed_7b', 'Mixed_7c', 'avgpool', 'dropout'];

export class InceptionV3 extends BaseBackbone {
  readonly numClasses: number;
  readonly auxLogits: boolean;

  constructor(opts: InceptionV3Options = {}) {
    checkKeys(opts, ['num_classes', 'aux_logits', 'dropout', 'init_cfg'], 'InceptionV3');
    super(
      opts.init_cfg === undefined
        ? [{ type: 'TruncNormal', layer: ['Conv2d', 'Linear'], std: 0.1 }, { type: 'Constant', layer: 'BatchNorm2d', val: 1 }]
        : opts.init_cfg,
    );
    const { num_classes = 1000, aux_logits = false, dropout = 0.5 } = opts;
    this.numClasses = num_classes;
    this.auxLogits = aux_logits;
    const conv = (name: string, i: number, o: number, k: number, rest: { stride?: number; padding?: number } = {}) => this.addModule(name, new BasicConv2d(i, o, { kernel_size: k, ...rest }));
    conv('Conv2d_1a_3x3', 3, 32, 3, { stride: 2 });
    conv('Conv2d_2a_3x3', 32, 32, 3);
    conv('Conv2d_2b_3x3', 32, 64, 3, { padding: 1 });
    this.addModule('maxpool1', new MaxPool2d({ kernel_size: 3, stride: 2 }));
    conv('Conv2d_3b_1x1', 64, 80, 1);
    conv('Conv2d_4a_3x3', 80, 192, 3);
    this.addModule('maxpool2', new MaxPool2d({ kernel_size: 3, stride: 2 }));
    this.addModule('Mixed_5b', new InceptionA(192, 32));
    this.addModule('Mixed_5c', new InceptionA(256, 64));
    this.addModule('Mixed_5d', new InceptionA(288, 64));
    this.addModule('Mixed_6a', new InceptionB(288));
    this.addModule('Mixed_6b', new InceptionC(768, 128));
    this.addModule('Mixed_6c', new InceptionC(768, 160));
    this.addModule('Mixed_6d', new InceptionC(768, 160));
    this.addModule('Mixed_6e', new InceptionC(768, 192));
    if (aux_logits) this.addModule('AuxLogits', new InceptionAux(768, num_classes));
    this.addModule('Mixed_7a', new InceptionD(768));
    this.addModule('Mixed_7b', new InceptionE(1280));
    this.addModule('Mixed_7c', new InceptionE(2048));
    this.addModule('avgpool', new AdaptiveAvgPool2d(1));
    this.addModule('dropout', new Dropout(dropout));
    this.addModule('fc', new Linear({ in_features: 2048, out_features: num_classes }));
  }

  /** Runs `names` in order from `x`, freeing intermediates (not `x`, nor outputs a hook watches). */
  private chain(names: string[], x: Tensor): Tensor {
    let y = x;
    let disposable = false;
    for (const n of names) {
      const m: AnyModule = this.child(n);
      const next = tf.tidy(() => m.call(y) as Tensor);
      if (next !== y && disposable) y.dispose();
      disposable = next !== x && !m.hasForwardHooks();
      y = next;
    }
    return y;
  }

  forward(x: Tensor): Tensor[] {
    const feat = this.chain(FEATURES, x);
    const aux = this.auxLogits && this.training ? tf.tidy(() => this.child('AuxLogits').call(feat) as Tensor) : null;
    const pooled = this.chain(TAIL, feat);
    if (!this.child('Mixed_6e').hasForwardHooks()) feat.dispose();
    const logits = tf.tidy(() => this.child('fc').call(tf.reshape(pooled, [pooled.shape[0], -1])) as Tensor);
    if (pooled !== feat) pooled.dispose();
    return aux ? [aux, logits] : [logits];
  }
}
