/** `nn.Sequential` / `nn.ModuleList`: children named "0", "1", … as in PyTorch state dicts. */
import type { Tensor } from '../../backends/tf';
import { Module, runChain, type AnyModule } from './module';

export class Sequential extends Module {
  constructor(...modules: (AnyModule | null | undefined)[]) {
    super();
    modules.filter((m): m is AnyModule => !!m).forEach((m, i) => this.addModule(String(i), m));
  }
  override typeNames(): string[] {
    return ['Sequential'];
  }
  get length(): number {
    return this.namedChildren().length;
  }
  at<M extends AnyModule = AnyModule>(i: number): M {
    return this.child<M>(String(i < 0 ? this.length + i : i));
  }
  /** Appends a module as the next numeric child. */
  append(m: AnyModule): this {
    this.addModule(String(this.length), m);
    return this;
  }
  /** Each module in turn; a tensor or, for a list of necks, a tuple of tensors. */
  forward(x: Tensor): Tensor;
  forward(x: Tensor[]): Tensor[];
  forward(x: Tensor | Tensor[]): Tensor | Tensor[] {
    return runChain(this.namedChildren().map(([, m]) => m), x);
  }
}

export class ModuleList<M extends AnyModule = AnyModule> extends Module<never, never> {
  constructor(modules: M[] = []) {
    super();
    modules.forEach((m, i) => this.addModule(String(i), m));
  }
  override typeNames(): string[] {
    return ['ModuleList'];
  }
  get length(): number {
    return this.namedChildren().length;
  }
  at(i: number): M {
    return this.child<M>(String(i < 0 ? this.length + i : i));
  }
  items(): M[] {
    return this.namedChildren().map(([, m]) => m as M);
  }
  push(m: M): this {
    this.addModule(String(this.length), m);
    return this;
  }
  forward(): never {
    throw new Error('ModuleList is not callable; iterate its items');
  }
}
