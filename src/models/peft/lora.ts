/**
 * `LoRAModel` (MMPretrain `models/peft/lora.py`): builds `module`, replaces every targeted `Linear` by a
 * `LoRALinear` (y = W₀x + up(down(dropout(x)))·α/r) and leaves only the LoRA weights trainable. As in PyTorch, its
 * state dict holds only the `.lora_` entries (`module.<path>.lora_down.weight`, `…lora_up.weight`), and loading does
 * not report the other (frozen) keys as missing or unexpected.
 *
 * A replaced layer's original weights live under `<path>.original_layer.*`. PyTorch loads a `Pretrained` `init_cfg`
 * of `module` before the replacement; here `init_weights` runs after it, so a checkpoint's plain `<path>.weight` /
 * `<path>.bias` are read into `original_layer` instead (see `LoRALinear.prepareStateDict`).
 */
import { tf, type Tensor } from '../../backends/tf';
import { MODELS } from '../../registry';
import { assert } from '../../utils/assert';
import type { BuildConfig } from '../../registry';
import { checkKeys } from '../../utils/options';
import { Dropout } from '../nn/dropout';
import { Linear } from '../nn/linear';
import { Module, type AnyModule } from '../nn/module';
import type { Generator } from '../../utils/random';
import type { StateDict } from '../nn/state_dict';

/** `original_layer(x) + lora_up(lora_down(lora_dropout(x))) · alpha / rank`. */
export class LoRALinear extends Module {
  readonly scaling: number;
  readonly rank: number;

  /** `original` is copied (the caller disposes it when replacing it in its parent). */
  constructor(original: Linear, alpha = 1, rank = 0, dropRate = 0) {
    super();
    assert(rank > 0, () => `LoRALinear: rank must be positive, got ${rank}`);
    this.rank = rank;
    this.scaling = alpha / rank;
    this.addModule('lora_dropout', new Dropout(dropRate));
    this.addModule('lora_down', new Linear({ in_features: original.inFeatures, out_features: rank, bias: false }));
    this.addModule('lora_up', new Linear({ in_features: rank, out_features: original.outFeatures, bias: false }));
    const copy = new Linear({ in_features: original.inFeatures, out_features: original.outFeatures, bias: !!original.bias });
    tf.tidy(() => {
      copy.weight.assign(original.weight);
      if (copy.bias && original.bias) copy.bias.assign(original.bias);
    });
    this.addModule('original_layer', copy);
    this.resetLoRA();
  }

  override typeNames(): string[] {
    return ['LoRALinear'];
  }

  /** lora_down ~ kaiming_uniform(a=√5) = U(±1/√in), lora_up = 0. */
  resetLoRA(rng?: Generator): void {
    const down = this.child<Linear>('lora_down');
    const up = this.child<Linear>('lora_up');
    const bound = 1 / Math.sqrt(down.inFeatures);
    tf.tidy(() => {
      if (rng) down.weight.assign(tf.tensor(rng.uniformArray(down.weight.size, -bound, bound), down.weight.shape));
      up.weight.assign(tf.zerosLike(up.weight));
    });
  }

  forward(x: Tensor): Tensor {
    return tf.tidy(() => {
      const out = this.child('original_layer').call(x) as Tensor;
      const lora = this.child('lora_up').call(this.child('lora_down').call(this.child('lora_dropout').call(x))) as Tensor;
      return tf.add(out, tf.mul(lora, this.scaling));
    });
  }

  /** A plain Linear's `weight` / `bias` (a checkpoint of the un-adapted model) go to `original_layer`. */
  override prepareStateDict(sd: StateDict, prefix: string): void {
    for (const n of ['weight', 'bias']) {
      const e = sd.get(`${prefix}${n}`);
      if (e && !sd.has(`${prefix}original_layer.${n}`)) {
        sd.set(`${prefix}original_layer.${n}`, e);
        sd.delete(`${prefix}${n}`);
      }
    }
  }

  override extraRepr(): string {
    return `rank=${this.rank}, scaling=${this.scaling}`;
  }
}

/** One entry of `targets`: `type` is a regular expression (full match) or a suffix of the module name. */
export interface LoRATarget {
  type: string;
  alpha?: number;
  rank?: number;
  drop_rate?: number;
}

export interface LoRAModelOptions {
  module: BuildConfig | AnyModule;
  /** Default: 1. */
  alpha?: number;
  /** Default: 0. */
  rank?: number;
  /** Default: 0. */
  drop_rate?: number;
  targets?: LoRATarget[];
}

function fullMatch(pattern: string, s: string): boolean {
  try {
    return new RegExp(`^(?:${pattern})$`).test(s);
  } catch {
    return false;
  }
}

export class LoRAModel extends Module<Tensor, Tensor[]> {
  readonly alpha: number;
  readonly rank: number;
  readonly dropRate: number;
  readonly targets: LoRATarget[];
  /** Names (inside `module`) of the replaced layers, in replacement order. */
  readonly loraLayers: string[] = [];

  constructor(opts: LoRAModelOptions) {
    super();
    checkKeys(opts, ['module', 'alpha', 'rank', 'drop_rate', 'targets'], 'LoRAModel');
    const { module, alpha = 1, rank = 0, drop_rate = 0, targets = [] } = opts;
    const inner = module instanceof Module ? module : MODELS.build<AnyModule>(module);
    this.addModule('module', inner);
    this.alpha = alpha;
    this.rank = rank;
    this.dropRate = drop_rate;
    assert(targets.length !== 0, () => 'The length of target layers should not be 0.');
    this.targets = targets;
    this.applyLoRA();
    assert(this.loraLayers.length > 0, () => 'No lora layer is replaced. Please check targets.');
    this.setLoRATrainable();
  }

  override typeNames(): string[] {
    return ['LoRAModel'];
  }

  /** The wrapped module. */
  get module(): AnyModule {
    return this.child('module');
  }

  /** PyTorch's `__getattr__` falls back to the wrapped module: its `out_type` and `num_extra_tokens` (CAM). */
  get outType(): unknown {
    return (this.module as { outType?: unknown }).outType;
  }

  get numExtraTokens(): unknown {
    return (this.module as { numExtraTokens?: unknown }).numExtraTokens;
  }

  private applyLoRA(): void {
    const names = this.module.namedModules().map(([n]) => n);
    for (const name of names) {
      for (const t of this.targets) {
        if (!(fullMatch(t.type, name) || name.endsWith(t.type))) continue;
        const current = this.submodule(name);
        if (!(current instanceof Linear)) continue;
        const parts = name.split('.');
        const parent = this.submodule(parts.slice(0, -1).join('.'));
        parent.addModule(parts[parts.length - 1], new LoRALinear(current, t.alpha ?? this.alpha, t.rank ?? this.rank, t.drop_rate ?? this.dropRate));
        this.loraLayers.push(name);
      }
    }
  }

  private submodule(name: string): AnyModule {
    let m: AnyModule = this.module;
    if (name) for (const p of name.split('.')) m = m.child(p);
    return m;
  }

  private setLoRATrainable(): void {
    for (const [name, p] of this.namedParameters()) p.trainable = name.includes('.lora_');
  }

  protected override keepStateKey(key: string): boolean {
    return key.includes('.lora_');
  }

  protected override reportLoadKey(key: string): boolean {
    return key.includes('.lora_');
  }

  /** Runs after the wrapped module's own initialisation: LoRA weights as at construction (up = 0). */
  afterInitWeights(rng: Generator): void {
    for (const [, m] of this.module.namedModules()) if (m instanceof LoRALinear) m.resetLoRA(rng);
  }

  forward(x: Tensor): Tensor[] {
    return this.module.call(x) as Tensor[];
  }
}
