import { describe, expect, it } from 'vitest';
import { ConfigError, isFloatAt, isTuple, parseConfigText } from './index';

const parse = (text: string) => parseConfigText(text, 'test.py');

function errorOf(text: string): ConfigError {
  try {
    parse(text);
  } catch (e) {
    if (e instanceof ConfigError) return e;
    throw e;
  }
  throw new Error('expected a ConfigError');
}

describe('config parser and evaluator: literals', () => {
  it('reads dict() calls, {} literals, lists, tuples, True/False/None', () => {
    const cfg = parse(`model = dict(type='ImageClassifier', backbone=dict(depth=50, out_indices=(3, )), x={'a-b': 1, "c": [1, 2]})\nflags = [True, False, None]\nempty = ()\n`);
    expect(cfg).toEqual({
      model: { type: 'ImageClassifier', backbone: { depth: 50, out_indices: [3] }, x: { 'a-b': 1, c: [1, 2] } },
      flags: [true, false, null],
      empty: [],
    });
    const backbone = (cfg.model as any).backbone;
    expect(isTuple(backbone.out_indices)).toBe(true);
    expect(isTuple((cfg.model as any).x.c)).toBe(false);
    expect(isTuple(cfg.empty)).toBe(true);
  });

  it('keeps ints and floats apart (1.0 stays a float, 1e-4, .5, 1_000)', () => {
    const cfg = parse('a = 1.0\nb = 1\nc = 1e-4\nd = .5\ne = 1_000\nf = 2E3\ng = 0x10\nh = dict(w=1.0, l=[0., 2])\n');
    expect(cfg).toEqual({ a: 1, b: 1, c: 1e-4, d: 0.5, e: 1000, f: 2000, g: 16, h: { w: 1, l: [0, 2] } });
    expect(isFloatAt(cfg, 'a')).toBe(true);
    expect(isFloatAt(cfg, 'b')).toBe(false);
    expect(isFloatAt(cfg, 'f')).toBe(true);
    expect(isFloatAt(cfg.h as object, 'w')).toBe(true);
    expect(isFloatAt((cfg.h as any).l, 0)).toBe(true);
    expect(isFloatAt((cfg.h as any).l, 1)).toBe(false);
  });

  it('reads strings: quotes, triple quotes, implicit concatenation, escapes, raw strings', () => {
    const cfg = parse(`a = 'x' "y"\nb = """multi\nline"""\nc = 'tab\\tq\\'s'\nd = r'\\d+'\ne = ('abc'\n     'def')\n`);
    expect(cfg).toEqual({ a: 'xy', b: 'multi\nline', c: "tab\tq's", d: '\\d+', e: 'abcdef' });
  });

  it('evaluates f-strings with names, expressions and format specs', () => {
    const cfg = parse(`n = 3\nlr = 0.1\nname = f'res{n}_{n * 2}x{lr}_{n:03d}_{lr:.3f}_{{b}}_{"q"!r}'\n`);
    expect(cfg.name).toBe("res3_6x0.1_003_0.100_{b}_'q'");
  });
});

describe('config parser and evaluator: expressions', () => {
  it('uses Python arithmetic: / is float, // floors, % and ** as Python', () => {
    const cfg = parse('a = 7 / 2\nb = -7 // 2\nc = -7 % 3\nd = 2 ** 10\ne = 2 ** -1\nf = 4 / 2\ng = 0.1 * 3\nh = 256 * 8 // 4 + 1 - 2\n');
    expect(cfg).toEqual({ a: 3.5, b: -4, c: 2, d: 1024, e: 0.5, f: 2, g: 0.1 * 3, h: 511 });
    expect(isFloatAt(cfg, 'f')).toBe(true);
    expect(isFloatAt(cfg, 'd')).toBe(false);
  });

  it('resolves variables, subscripts, slices and attribute access on dicts', () => {
    const cfg = parse(`dataset_type = 'ImageNet'\nsizes = [1, 2, 3, 4]\nd = dict(type=dataset_type, s=sizes[-1], part=sizes[1:3], rev=sizes[::-1], t=(1, 2)[0])\ne = d.type\nf = d['s']\n`);
    expect(cfg.d).toEqual({ type: 'ImageNet', s: 4, part: [2, 3], rev: [4, 3, 2, 1], t: 1 });
    expect(cfg.e).toBe('ImageNet');
    expect(cfg.f).toBe(4);
  });

  it('evaluates list comprehensions with round() and if, and dict(**x) unpacking', () => {
    const cfg = parse(`bgr_mean = [103.53, 116.28, 123.675]\nfill = [round(x) for x in bgr_mean]\nodd = [x * 2 for x in range(6) if x % 2]\nnorm = dict(mean=[1, 2], std=[3, 4])\np = dict(type='Normalize', **norm)\nq = {**norm, 'x': 1}\nr = round(2.5)\ns = round(3.5)\nt = round(0.1234, 2)\n`);
    expect(cfg.fill).toEqual([104, 116, 124]);
    expect(cfg.odd).toEqual([2, 6, 10]);
    expect(cfg.p).toEqual({ type: 'Normalize', mean: [1, 2], std: [3, 4] });
    expect(cfg.q).toEqual({ mean: [1, 2], std: [3, 4], x: 1 });
    expect([cfg.r, cfg.s, cfg.t]).toEqual([2, 4, 0.12]);
  });

  it('supports builtins, str.format and dict/list methods, and import copy', () => {
    const cfg = parse(`import copy\na = dict(x=1)\nb = copy.deepcopy(a)\nb['x'] = 2\nc = a.copy()\nc.update(y=3)\nl = [1]\nl.append(2)\nl.extend([3])\nm = '{}_{name}'.format(1, name='n')\nn = [len(l), min(l), max(3, 4), sum(l), abs(-2), sorted([3, 1, 2]), list(zip([1, 2], 'ab')), list(enumerate('xy'))]\ng = a.get('z', 5)\nk = list(a.keys()) + list(c.values())\ni = [k for k, v in c.items()]\n`);
    expect(cfg).toMatchObject({ a: { x: 1 }, b: { x: 2 }, c: { x: 1, y: 3 }, l: [1, 2, 3], m: '1_n', g: 5, k: ['x', 1, 3], i: ['x', 'y'] });
    expect(cfg.n).toEqual([3, 1, 4, 6, 2, [1, 2, 3], [[1, 'a'], [2, 'b']], [[0, 'x'], [1, 'y']]]);
    expect('copy' in cfg).toBe(false);
  });

  it('evaluates conditionals, comparisons, membership, string methods and import math', () => {
    const cfg = parse(`import math\nn = 5\na = 'big' if n > 3 else 'small'\nb = 1 < n <= 5\nc = 'x' in ['x', 'y'] and 'z' not in 'abc'\nd = 'A_b'.lower().split('_')\ne = '-'.join(['a', 'b'])\nf = math.ceil(n / 2)\ng = round(math.sqrt(16))\nh = None is None\n`);
    expect(cfg).toEqual({ n: 5, a: 'big', b: true, c: true, d: ['a', 'b'], e: 'a-b', f: 3, g: 4, h: true });
  });

  it('locates errors inside f-string fields and method calls', () => {
    expect(errorOf("x = 1\ns = f'a{x + y}'\n")).toMatchObject({ line: 2, column: 13, detail: "name 'y' is not defined" });
    expect(errorOf("l = (1, 2)\nl.append(3)\n")).toMatchObject({ line: 2, column: 3, detail: "'tuple' object has no attribute 'append'" });
    expect(errorOf("d = dict(a=1)\nd.b\n")).toMatchObject({ line: 2, column: 3, detail: "'b' not found (keys: a)" });
  });

  it('assigns through subscripts and attributes, += and *=', () => {
    const cfg = parse(`train_pipeline = [dict(type='A'), dict(type='B', scale=224)]\ntrain_pipeline[1]['scale'] = 160\nmodel = dict(head=dict(num_classes=1000))\nmodel.head.num_classes = 10\nl = [1]\nl += [2]\nn = 2\nn *= 3\nx, y = 1, 2\n`);
    expect(cfg.train_pipeline).toEqual([{ type: 'A' }, { type: 'B', scale: 160 }]);
    expect(cfg.model).toEqual({ head: { num_classes: 10 } });
    expect(cfg).toMatchObject({ l: [1, 2], n: 6, x: 1, y: 2 });
  });

  it('keeps variables in definition order, reassignment in place, and custom_imports as data', () => {
    const cfg = parse(`b = 1\na = 2\nb = 3\ncustom_imports = dict(imports=['mmpretrain.models'], allow_failed_imports=False)\n__private = 1\n`);
    expect(Object.keys(cfg)).toEqual(['b', 'a', 'custom_imports']);
    expect(cfg.custom_imports).toEqual({ imports: ['mmpretrain.models'], allow_failed_imports: false });
  });

  it('accepts Windows line endings and a byte-order mark', () => {
    expect(parse("\ufeffa = dict(\r\n    x=1,  # c\r\n    y='s')\r\nb = [1,\r\n 2]\r\n")).toEqual({ a: { x: 1, y: 's' }, b: [1, 2] });
  });

  it('handles comments, line continuations and the if __name__ guard', () => {
    const cfg = parse(`a = 1 + \\\n    2  # comment\n# full line\nb = [\n  1,  # one\n  2,\n]\nif __name__ == '__main__':\n    print(a)\n`);
    expect(cfg).toEqual({ a: 3, b: [1, 2] });
  });

  it("binds 'from … import' names for a __main__ block only, leaving them out of the config (MMPretrain's replknet base)", () => {
    const text = `from mmpretrain.models import build_classifier\nfrom a.b import (c as d,\n  e)\nmodel = dict(type='ImageClassifier')\nif __name__ == '__main__':\n    model = build_classifier(model)\n`;
    expect(parse(text)).toEqual({ model: { type: 'ImageClassifier' } });
  });
});

describe('config parser errors name file, line and column', () => {
  it.each([
    ['a = dict(x=1\n', 1, 9, "'(' was never closed"],
    ['a = 1\nb = [1, 2\nc = 3\n', 2, 5, "'[' was never closed"],
    ['a = [1, 2 3]\n', 1, 11, "expected ']' to close the list, found '3'"],
    ['a = dict(x=1 y=2)\n', 1, 14, "expected ',' or ')' in the argument list, found 'y'"],
    ['a = 1\nb = foo\n', 2, 5, "name 'foo' is not defined"],
    ['a = 1\n  b = 2\n', 2, 3, 'unexpected indent'],
    ['import os\n', 1, 8, "'import os' is not supported"],
    ['def f():\n  pass\n', 1, 1, "'def' statements are not supported"],
    ['a = lambda x: x\n', 1, 5, "'lambda' is not supported"],
    ['a = dict(x=1)\nb = a["y"]\n', 2, 6, "KeyError: 'y'"],
    ['a = 1 / 0\n', 1, 7, 'division by zero'],
    ["a = 'abc\n", 1, 5, 'unterminated string'],
    ['a = [1, 2)\n', 1, 10, "closing bracket ')' does not match"],
    ['a = open("x")\n', 1, 5, "name 'open' is not defined"],
    ['a = {1, 2}\n', 1, 5, 'set literals are not supported'],
    ['a = $\n', 1, 5, "invalid character '$'"],
    ['a = dict(x=1, x=2)\n', 1, 15, "keyword argument repeated: 'x'"],
    ['from mmpretrain.models import ImageClassifier\nmodel = dict(type=ImageClassifier)\n', 2, 19, "'ImageClassifier' is imported from 'mmpretrain.models': a Python object used as a value is a new-style (lazy-import) config"],
    ['from .._base_.models import *\n', 1, 1, "relative 'from . import' is a new-style (lazy-import) config"],
    ['from mmpretrain import build\nx = 1\nm = build(x)\n', 3, 5, "'build' is imported from 'mmpretrain'"],
  ])('%j', (text, line, column, msg) => {
    const e = errorOf(text);
    expect(e.file).toBe('test.py');
    expect([e.line, e.column]).toEqual([line, column]);
    expect(e.detail).toContain(msg);
    expect(e.message.startsWith(`test.py:${line}:${column}: `)).toBe(true);
  });
});
