import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { missingShared, SHARED_DIR, SharedDataMissing } from './shared';

describe('missingShared', () => {
  const ci = process.env.CI;
  afterEach(() => {
    if (ci === undefined) delete process.env.CI;
    else process.env.CI = ci;
    vi.restoreAllMocks();
  });
  const absent = join(SHARED_DIR, 'reference', 'no-such-folder', 'x.npz');

  it('is false when every path exists', () => {
    expect(missingShared(import.meta.filename, process.cwd())).toBe(false);
  });

  it('skips with the reason outside CI', () => {
    delete process.env.CI;
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    expect(missingShared(import.meta.filename, absent)).toBe(true);
    expect(warn.mock.calls[0]![0]).toMatch(/skipped: .*no-such-folder.*is absent .*MMPRETRAIN_WEB_SHARED/);
  });

  it('fails in CI for a path under shared/, naming it; a path elsewhere only skips', () => {
    process.env.CI = 'true';
    expect(() => missingShared(absent)).toThrow(SharedDataMissing);
    expect(() => missingShared(absent)).toThrow(/^\.\.\/shared\/reference\/no-such-folder\/x\.npz missing: set MMPRETRAIN_WEB_SHARED or put the shared data beside the checkout/);
    vi.spyOn(console, 'warn').mockImplementation(() => {});
    expect(missingShared('/usr/share/datasets/no-such-dataset/t10k.gz')).toBe(true);
  });
});
