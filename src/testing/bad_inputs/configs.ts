/**
 * Bad configs for `print-config` (mmengine's `Config.fromfile`: parse, `_base_` merge, `--cfg-options`) and for the
 * commands that build from a config (`vis-scheduler`, `browse-dataset`: unknown `type`s). Configs are evaluated,
 * never executed: the code-running cases leave a sentinel file that must never appear.
 */
import { join } from 'node:path';
import { esc, put, type BadInputCase } from './types';

const SENTINEL = 'SENTINEL';

/** Syntax errors: [id, source, the line:column reported, problem]. */
const SYNTAX: Array<[string, string, string, RegExp]> = [
  ['unclosed_paren', "model = dict(\n    type='ImageClassifier',\n", '1:13', /never closed/],
  ['unclosed_bracket', 'x = [1, 2,\n', '1:5', /never closed/],
  ['unclosed_brace', "x = {'a': 1\n", '1:5', /never closed/],
  ['double_assign', 'x = = 1\n', '1:5', /expected|unexpected|invalid/i],
  ['missing_comma', 'x = dict(a=1 b=2)\n', '1:14', /expected ','/],
  ['trailing_operator', 'x = 1 +\n', '1:\\d+', /expected|unexpected/i],
  ['unterminated_string', "x = 'abc\n", '1:5', /unterminated|never closed|string/i],
  ['unterminated_triple', 'x = """abc\n\n', '1:5', /unterminated|never closed|string/i],
  ['bad_indent', 'x = 1\n    y = 2\n', '2:\\d+', /indent/i],
  ['stray_close', 'x = 1)\n', '1:6', /unexpected|unmatched|expected/i],
  ['keyword_as_name', 'class = 1\n', '1:\\d+', /expected|unexpected|not supported|invalid/i],
  ['bad_number', 'x = 1.2.3\n', '1:\\d+', /expected|unexpected|invalid/i],
  ['repeated_kwarg', 'x = dict(a=1, a=2)\n', '1:\\d+', /repeated|duplicate|twice/i],
  ['lambda', 'f = lambda x: x\n', '1:\\d+', /lambda|not supported|unexpected|expected/i],
  ['walrus', 'y = (x := 1)\n', '1:\\d+', /expected|unexpected|not supported/i],
  ['nul_byte', 'x = 1\n\u0000y = 2\n', '2:\\d+', /unexpected|invalid|character|NUL/i],
  ['bad_unicode_name', 'x = 1\n\u00a7 = 2\n', '2:1', /unexpected|invalid|character/i],
  ['def_function', 'def f():\n    return 1\n', '1:\\d+', /not supported|def|unexpected|expected/i],
  ['undefined_name', 'x = y + 1\n', '1:5', /y/],
  ['type_error_add', "x = 1 + 'a'\n", '1:\\d+', /unsupported|type|str|int/i],
  ['div_zero', 'x = 1 / 0\n', '1:\\d+', /division|zero/i],
  ['bad_subscript', 'x = [1, 2]\ny = x[5]\n', '2:\\d+', /index|range/i],
  ['bad_key', "x = dict(a=1)\ny = x['b']\n", '2:\\d+', /'b'|key/i],
];

/** Code that would run something if the config were executed: each must be refused, and nothing run. */
const CODE: Array<[string, string, RegExp]> = [
  ['import_os', `import os\nos.system('touch ${SENTINEL}')\n`, /import|os/],
  ['from_import', `from os import system\nsystem('touch ${SENTINEL}')\n`, /import|os/],
  ['dunder_import', `x = __import__('os').system('touch ${SENTINEL}')\n`, /__import__/],
  ['eval_call', `x = eval("__import__('os').system('touch ${SENTINEL}')")\n`, /eval/],
  ['exec_call', `exec("open('${SENTINEL}', 'w')")\n`, /exec/],
  ['open_call', `x = open('${SENTINEL}', 'w')\n`, /open/],
  ['getattr_call', `x = getattr(dict, '__class__')\n`, /getattr|__class__/],
  ['dunder_attr', `x = ().__class__.__base__.__subclasses__()\n`, /__class__|attribute|not supported/],
];

function printConfig(id: string, describe: string, files: Record<string, string>, entry: string, expect: RegExp[], extra: string[] = [], sentinel?: string): BadInputCase {
  return {
    id: `config_${id}`,
    kind: 'config',
    describe,
    async make(dir) {
      for (const [name, text] of Object.entries(files)) put(dir, name, text);
      return { argv: ['print-config', join(dir, entry), ...extra] };
    },
    expect,
    sentinel,
  };
}

const syntaxCases = SYNTAX.map(([id, src, place, problem]) =>
  printConfig(`syntax_${id}`, `syntax / evaluation error (${id})`, { [`syn_${id}.py`]: src }, `syn_${id}.py`, [new RegExp(`syn_${esc(id)}\\.py:${place}:`), problem]));

const codeCases = CODE.map(([id, src, problem]) =>
  printConfig(`code_${id}`, `code that would run if executed (${id})`, { [`code_${id}.py`]: src }, `code_${id}.py`, [new RegExp(`code_${esc(id)}\\.py:\\d+:\\d+:`), problem], [], SENTINEL));

/** `_base_` problems: cycles of 1–4 files, a missing base, a base that is not a path. */
function cycle(n: number): BadInputCase {
  const files: Record<string, string> = {};
  for (let i = 0; i < n; i++) files[`cyc${n}_${i}.py`] = `_base_ = ['./cyc${n}_${(i + 1) % n}.py']\nx${i} = ${i}\n`;
  return printConfig(`base_cycle_${n}`, `_base_ cycle through ${n} file(s)`, files, `cyc${n}_0.py`, [/cyc\d_\d\.py/, /cycl|circular|loop|itself/i]);
}

const baseCases: BadInputCase[] = [
  ...[1, 2, 3, 4].map(cycle),
  printConfig('base_missing', '_base_ names a file that does not exist', { 'base_missing.py': "_base_ = ['./nope/absent.py']\n" }, 'base_missing.py', [/base_missing\.py(:1:\d+)?/, /absent\.py/, /not found|no such|does not exist|cannot read/i]),
  printConfig('base_not_str', '_base_ is a number', { 'base_num.py': '_base_ = 1\n' }, 'base_num.py', [/base_num\.py:1:\d+/, /_base_/]),
  printConfig('base_list_num', '_base_ list holds a number', { 'base_lnum.py': "_base_ = ['./a.py', 2]\n" }, 'base_lnum.py', [/base_lnum\.py:1:\d+/, /_base_/]),
  printConfig('base_bad_child', 'the error is in a base: named with its own line', { 'bb_base.py': 'x = 1\ny = (\n', 'bb_child.py': "_base_ = './bb_base.py'\n" }, 'bb_child.py', [/bb_base\.py:2:\d+:/, /never closed/]),
  printConfig('base_ref_missing', '{{_base_.x}} of a key the base lacks', { 'br_base.py': 'a = 1\n', 'br_child.py': "_base_ = './br_base.py'\nb = {{_base_.zzz}}\n" }, 'br_child.py', [/br_child\.py:2:\d+/, /zzz/]),
  printConfig('base_attr_missing', '_base_.x of a key the base lacks', { 'ba_base.py': 'a = 1\n', 'ba_child.py': "_base_ = './ba_base.py'\nb = _base_.zzz\n" }, 'ba_child.py', [/ba_child\.py:2:\d+/, /zzz/]),
  printConfig('base_dir', '_base_ names a folder', { 'bdir/keep.txt': '', 'base_dir.py': "_base_ = './bdir'\n" }, 'base_dir.py', [/base_dir\.py|bdir/, /bdir/, /directory|folder|not a file|EISDIR|cannot read|not found/i]),
];

/** Sizes and nesting that must stay bounded: huge literals, deep nesting, arithmetic that would allocate or never end. */
const boundCases: BadInputCase[] = [
  printConfig('deep_list', 'lists nested 20,000 deep', { 'deep_list.py': `x = ${'['.repeat(20000)}${']'.repeat(20000)}\n` }, 'deep_list.py', [/deep_list\.py:1:\d+:/, /nest|deep|recursion|depth/i]),
  printConfig('deep_dict', 'dict(...) nested 5,000 deep', { 'deep_dict.py': `x = ${'dict(a='.repeat(5000)}1${')'.repeat(5000)}\n` }, 'deep_dict.py', [/deep_dict\.py:1:\d+:/, /nest|deep|recursion|depth/i]),
  printConfig('deep_parens', 'parentheses nested 50,000 deep', { 'deep_parens.py': `x = ${'('.repeat(50000)}1${')'.repeat(50000)}\n` }, 'deep_parens.py', [/deep_parens\.py:1:\d+:/, /nest|deep|recursion|depth/i]),
  printConfig('deep_unary', '-' + ' repeated 50,000 times', { 'deep_unary.py': `x = ${'-'.repeat(50000)}1\n` }, 'deep_unary.py', [/deep_unary\.py:1:\d+:/, /nest|deep|recursion|depth/i]),
  printConfig('deep_power', '2**2**…**2 with 50,000 powers', { 'deep_pow.py': `x = ${'2**'.repeat(50000)}2\n` }, 'deep_pow.py', [/deep_pow\.py:1:\d+:/, /nest|deep|recursion|depth/i]),
  printConfig('long_sum', '1+1+…+1 with 200,000 terms', { 'long_sum.py': `x = ${'1+'.repeat(200000)}1\ny = (\n` }, 'long_sum.py', [/long_sum\.py:\d+:\d+:/, /never closed|nest|deep|recursion|depth/i]),
  printConfig('deep_base_chain', 'a _base_ chain 200 files long', Object.fromEntries(Array.from({ length: 200 }, (_, i) => [`chain_${i}.py`, i === 199 ? 'x = (\n' : `_base_ = './chain_${i + 1}.py'\n`])), 'chain_0.py', [/chain_199\.py:1:5:/, /never closed/]),
  printConfig('list_repeat', '[0] * 10**9 (would allocate 10⁹ items)', { 'rep_list.py': 'x = [0] * 10**9\n' }, 'rep_list.py', [/rep_list\.py:1:\d+:/, /more than a config may build \(10000000\)/]),
  printConfig('str_repeat', "'a' * 10**10 (would allocate 10 GB)", { 'rep_str.py': "x = 'a' * 10**10\n" }, 'rep_str.py', [/rep_str\.py:1:\d+:/, /more than a config may build \(10000000\)/]),
  printConfig('pow_tower', '10**10**10 (a number with 10¹⁰ digits)', { 'pow.py': 'x = 10**10**10\n' }, 'pow.py', [/pow\.py:1:\d+:/, /integer result of '\*\*' is too large/]),
  printConfig('range_huge', 'a comprehension over range(10**12)', { 'range.py': 'x = [i for i in range(10**12)]\n' }, 'range.py', [/range\.py:1:\d+:/, /range\(1000000000000\) would make 1000000000000 items/]),
  printConfig('nested_repeat', '[[0] * 10**5] * 10**5 (10¹⁰ cells)', { 'rep2.py': 'x = [[0] * 10**5] * 10**5\ny = str(x)\n' }, 'rep2.py', [/rep2\.py:1:\d+:/, /10000100000 items, more than a config may build/]),
  printConfig('big_file', 'a 40 MB config file', { 'big.py': `x = '${'a'.repeat(40 * 2 ** 20)}'\n` }, 'big.py', [/big\.py: /, /config file is 40\.0 MB, more than a config may be/]),
  printConfig('many_keys', '300,000 assignments on one line each', { 'many.py': Array.from({ length: 300000 }, (_, i) => `k${i} = ${i}`).join('\n') + '\nz = (\n' }, 'many.py', [/many\.py:300001:5:/, /never closed/]),
];

/** `--cfg-options` that cannot be applied: the message names the option and what is wrong. */
const OPTIONS: Array<[string, string, RegExp]> = [
  ['no_equals', 'model.head.num_classes', /model\.head\.num_classes/],
  ['empty_key', '=3', /=3|key/],
  ['double_dot', 'model..head=1', /model\.\.head/],
  ['unclosed_list', 'model.x=[1,2', /model\.x|\[1,2/],
  ['unclosed_tuple', 'model.x=(1,', /model\.x|\(1,/],
  ['index_out_of_range', 'lst.9=1', /lst\.9|9/],
  ['through_scalar', 'a.b.c=1', /a is a dict in the child config but is of type int/],
  ['code_value', `a=__import__('os').system('touch ${SENTINEL}')`, /a=|__import__|a\b/],
];

const optionCases = OPTIONS.map(([id, opt, problem]) => ({
  ...printConfig(`cfg_option_${id}`, `--cfg-options ${opt}`, { [`opt_${id}.py`]: 'a = 1\nlst = [1, 2]\nmodel = dict(head=dict(num_classes=10))\n' }, `opt_${id}.py`, [/cfg-options|option/i, problem], ['--cfg-options', opt], SENTINEL),
  // mmengine's DictAction keeps a value it cannot parse as a string, and splits 'model..head' into an empty key: both load
  ...(id === 'code_value' || id === 'double_dot' ? { exit: 0 as const, expect: [] } : {}),
}));

/** Unknown `type`s: refused by the registry that builds them, naming the type and where it is in the config. */
const unknownTypeCases: BadInputCase[] = [
  {
    id: 'config_unknown_scheduler_type', kind: 'config', describe: 'param_scheduler of an unknown type (vis-scheduler)',
    async make(dir) {
      const p = put(dir, 'unk_sched.py', [
        "optim_wrapper = dict(optimizer=dict(type='SGD', lr=0.1))",
        "param_scheduler = [dict(type='NoSuchLR', by_epoch=True)]",
        "train_cfg = dict(by_epoch=True, max_epochs=2)", 'train_dataloader = dict(batch_size=2)', '',
      ].join('\n'));
      return { argv: ['vis-scheduler', p, '-d', '10', '--json'] };
    },
    expect: [/NoSuchLR/, /not (registered|found|in)|unknown/i],
  },
  {
    id: 'config_unknown_dataset_type', kind: 'config', describe: 'a dataset of an unknown type (browse-dataset)',
    async make(dir) {
      const p = put(dir, 'unk_ds.py', "train_dataloader = dict(batch_size=1, dataset=dict(type='NoSuchDataset', pipeline=[]))\n");
      return { argv: ['browse-dataset', p, '-o', join(dir, 'out')] };
    },
    expect: [/NoSuchDataset/, /not (registered|found|in)|unknown/i],
  },
  {
    id: 'config_unknown_transform_type', kind: 'config', describe: 'a pipeline step of an unknown type (browse-dataset)',
    async make(dir) {
      put(dir, 'imgs/a/x.png', new Uint8Array(0));
      const p = put(dir, 'unk_tf.py', `train_dataloader = dict(batch_size=1, dataset=dict(type='CustomDataset', data_root='${dir}/imgs', pipeline=[dict(type='LoadImageFromFile'), dict(type='NoSuchTransform')]))\n`);
      return { argv: ['browse-dataset', p, '-o', join(dir, 'out')] };
    },
    expect: [/NoSuchTransform/, /not (registered|found|in)|unknown/i],
  },
  {
    id: 'config_dataloader_not_dict', kind: 'config', describe: 'train_dataloader is a number (browse-dataset)',
    async make(dir) {
      const p = put(dir, 'dl_num.py', 'train_dataloader = 3\n');
      return { argv: ['browse-dataset', p, '-o', join(dir, 'out')] };
    },
    expect: [/train_dataloader/, /dict|mapping|object|dataset/i],
  },
];

export const configCases: BadInputCase[] = [...syntaxCases, ...codeCases, ...baseCases, ...boundCases, ...optionCases, ...unknownTypeCases];
