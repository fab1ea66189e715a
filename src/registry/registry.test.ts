import { describe, expect, it, vi } from 'vitest';
import { Registry, registryWarnings } from './registry';

class ResNet {
  constructor(readonly cfg: { depth: number }) {}
}

describe('Registry', () => {
  it('builds a registered class from a config dict', () => {
    const reg = new Registry('model');
    reg.registerClass('ResNet', ResNet);
    const m = reg.build<ResNet>({ type: 'ResNet', depth: 18 });
    expect(m).toBeInstanceOf(ResNet);
    expect(m.cfg).toEqual({ depth: 18 });
  });

  it('builds with a registered function and passes extra arguments', () => {
    const reg = new Registry('transform');
    reg.registerFunction('Scale', (cfg: { k: number }, x: number) => cfg.k * x);
    expect(reg.build({ type: 'Scale', k: 3 }, 5)).toBe(15);
  });

  it('names the closest registered types for an unknown type', () => {
    const reg = new Registry('model');
    reg.registerClass('ResNet', ResNet);
    reg.registerClass('ResNeXt', ResNet);
    reg.registerClass('LeNet5', ResNet);
    expect(() => reg.build({ type: 'ResNt' })).toThrow(/Unknown type 'ResNt' in registry 'model' — did you mean 'ResNet', 'ResNeXt'/);
  });

  it('refuses a second registration of a name unless forced', () => {
    const reg = new Registry('model');
    reg.registerClass('ResNet', ResNet);
    expect(() => reg.registerClass('ResNet', ResNet)).toThrow(/already registered/);
    expect(() => reg.registerClass('ResNet', ResNet, true)).not.toThrow();
  });

  it('accepts a deprecated alias with a warning', () => {
    const reg = new Registry('transform');
    reg.registerClass('PackInputs', ResNet);
    reg.registerAlias('PackClsInputs', 'PackInputs', 'Renamed in MMPretrain 1.x.');
    const warn = vi.spyOn(registryWarnings, 'warn').mockImplementation(() => {});
    expect(reg.build({ type: 'PackClsInputs', depth: 1 })).toBeInstanceOf(ResNet);
    expect(warn).toHaveBeenCalledWith(expect.stringMatching(/'PackClsInputs' is a deprecated name.*'PackInputs'/));
    warn.mockRestore();
  });

  it('falls back to its parent registry', () => {
    const parent = new Registry('model');
    parent.registerClass('ResNet', ResNet);
    const child = new Registry('mmpretrain model', parent);
    expect(child.build({ type: 'ResNet', depth: 50 })).toBeInstanceOf(ResNet);
    expect(child.names()).toContain('ResNet');
  });
});
