import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { FAILING_IN_MMPRETRAIN } from '../testing/shipped_configs';
import { sharedPath, missingShared } from '../testing/shared';
import { configToJSON, configToJSONText, dumpConfig, isTuple, loadConfig, parseConfigText } from './index';
import { NodeFS } from './node_fs';
import { floatRepr, strRepr } from './pyrepr';

const here = dirname(fileURLToPath(import.meta.url));
const repoRoot = join(here, '../..');
const fixturesRoot = join(here, '__fixtures__');
const repoFS = new NodeFS(repoRoot);
const fixtureFS = new NodeFS(fixturesRoot);
/** Expected dumps: each config loaded by real Python (tools/minifromfile.py.txt) and dumped by mmengine's
 * `_format_dict` + yapf 0.32 (tools/mmdump.py.txt), as `Config.dump()` writes it. */
const expectedDump = (path: string): string => readFileSync(join(fixturesRoot, 'dumps', path), 'utf8');

/** Where our layout differs from yapf's: none of the shipped configs or fixtures (nor any of MMPretrain 1.2's 837). */
const KNOWN_LAYOUT_DIFFERENCES = new Set<string>();

const shipped = repoFS.list('configs').filter((f) => f.endsWith('.py') && !(f in FAILING_IN_MMPRETRAIN));
const fixtureTops = [
  'configs/mobileone/mobileone-s1_8xb32_in1k.py',
  'configs/resnest/resnest101_32xb64_in1k.py',
  'configs/swin_transformer/swin-large_8xb8_cub-384px.py',
  'configs/_base_/datasets/imagenet_bs64_clip_224.py',
  'configs/swav/swav_resnet50_8xb32-mcrop-coslr-200e_in1k-224px-96px.py',
];
const hasDump = (f: string): boolean => existsSync(join(fixturesRoot, 'dumps', f));
/** Every shipped config loads and round-trips; those with a dump fixture must also match it byte for byte. */
const cases: [string, NodeFS][] = [...shipped.map((f) => [f, repoFS] as [string, NodeFS]), ...fixtureTops.map((f) => [f, fixtureFS] as [string, NodeFS])];
const dumpCases = cases.filter(([f, fs]) => fs === fixtureFS || hasDump(f));

describe('dumpConfig writes what mmengine Config.dump() writes', () => {
  const ref = sharedPath('reference/runner_run/config.py');
  it.skipIf(missingShared(ref))('reproduces the config.py that a real MMPretrain training run saved, byte for byte', () => {
    const text = readFileSync(ref, 'utf8');
    expect(dumpConfig(parseConfigText(text, 'config.py'))).toBe(text);
  });

  it('has dump fixtures for the shipped MMPretrain configs', () => {
    expect(shipped.filter(hasDump).length).toBeGreaterThanOrEqual(35);
    for (const f of ['configs/resnet/resnet18_8xb16_cifar10.py', 'configs/lenet/lenet5_mnist.py', 'configs/vision_transformer/vit-base-p16_64xb64_in1k.py']) {
      expect(hasDump(f), f).toBe(true);
    }
  });

  it.each(dumpCases.filter(([f]) => !KNOWN_LAYOUT_DIFFERENCES.has(f)))('%s: same text as mmengine + yapf', (path, fs) => {
    expect(dumpConfig(loadConfig(path, fs).cfg)).toBe(expectedDump(path));
  });

  it.each(dumpCases)('%s: the expected text parses to the config we load', (path, fs) => {
    const cfg = loadConfig(path, fs).cfg;
    expect(parseConfigText(expectedDump(path))).toEqual(cfg);
  });
});

describe('yapf layout decisions', () => {
  it('re-dumps a file of layout cases written by mmengine _format_dict + yapf (tools/make_layout.py.txt) unchanged', () => {
    const text = expectedDump('layout_cases.py');
    expect(dumpConfig(parseConfigText(text, 'layout_cases.py'))).toBe(text);
  });
});

describe('dump round trip', () => {
  it.each(Object.entries(FAILING_IN_MMPRETRAIN))('%s fails as in MMPretrain, saying where and why', (path, message) => {
    expect(() => loadConfig(path, repoFS)).toThrow(message);
  });

  it.each(cases)('%s: parse(dump(cfg)) equals cfg, tuples and floats included', (path, fs) => {
    const cfg = loadConfig(path, fs).cfg;
    const text = dumpConfig(cfg);
    const again = parseConfigText(text, 'dump.py');
    expect(again).toEqual(cfg);
    expect(dumpConfig(again)).toBe(text);
  });

  it('writes Python literals: 1.0, 1e-05, 0.0001, (3, ), strings with quotes, None/True/False, {} keys', () => {
    const cfg = parseConfigText(`a = dict(w=1.0, lr=1e-5, wd=1e-4, big=1e16, t=(3, ), e=(), l=[], d={}, s="it's", n=None, b=True, m={'a-b': 1})\n`);
    expect(dumpConfig(cfg)).toBe(
      "a = dict(\n    b=True,\n    big=1e+16,\n    d=dict(),\n    e=(),\n    l=[],\n    lr=1e-05,\n    m=dict({'a-b': 1}),\n    n=None,\n" +
        '    s="it\'s",\n    t=(3, ),\n    w=1.0,\n    wd=0.0001)\n',
    );
    expect(parseConfigText(dumpConfig(cfg))).toEqual(cfg);
  });

  it('formats floats and strings as Python repr does', () => {
    expect([1e-5, 0.0001, 1e16, 123456789012345.6, 0.1 + 0.2, 1.5e-7, 100, 2.5e-5, -0.5].map(floatRepr)).toEqual([
      '1e-05', '0.0001', '1e+16', '123456789012345.6', '0.30000000000000004', '1.5e-07', '100.0', '2.5e-05', '-0.5',
    ]);
    expect([strRepr('a'), strRepr("it's"), strRepr('both \' and "'), strRepr('tab\tnl\n\\')]).toEqual([
      "'a'", '"it\'s"', "'both \\' and \"'", "'tab\\tnl\\n\\\\'",
    ]);
  });
});

describe('configToJSON (Config.to_dict)', () => {
  it('turns tuples into lists and keeps key order', () => {
    const cfg = parseConfigText("z = dict(b=(1, 2), a=[(3, )])\ny = 1.0\n");
    const json = configToJSON(cfg);
    expect(Object.keys(json)).toEqual(['z', 'y']);
    expect(isTuple((json.z as any).b)).toBe(false);
    expect(JSON.stringify(json)).toBe('{"z":{"b":[1,2],"a":[[3]]},"y":1}');
    expect(configToJSONText(cfg)).toBe('{\n    "z": {\n        "b": [\n            1,\n            2\n        ],\n        "a": [\n            [\n                3\n            ]\n        ]\n    },\n    "y": 1.0\n}');
  });
});
