"""Checks a survival checkpoint (``survival.pth``, written by SurvivalCheckpointHook) with PyTorch and mmengine.

"A checkpoint made here works in MMPretrain": the file is read by ``torch.load(..., map_location='cpu')`` (what
mmengine's ``CheckpointLoader`` runs for a local file), its pickle is checked against torch's weights-only
unpickler (the default of ``torch.load`` from torch 2.6), and every section goes through the steps of mmengine's
``Runner.resume`` (mmengine/runner/runner.py) on the real classes they reach:

- ``meta``: ``epoch`` and ``iter`` (ints), ``seed``, ``dataset_meta``; ``cfg`` as mmengine's ``pretty_text`` (read
  here without executing it);
- ``state_dict``: loaded strictly into MMPretrain's own ``LeNet5`` (mmpretrain/models/backbones/lenet.py from the
  git mirror) under an ``ImageClassifier``'s ``backbone.`` prefix, after ``_load_checkpoint_to_model``'s
  ``^module\\.`` key revision;
- ``optimizer``: ``OptimWrapper.load_state_dict`` = ``torch.optim.SGD(...).load_state_dict`` with the config's
  optimizer, every state tensor the shape of its parameter, then one step;
- ``param_schedulers``: mmengine's own ``MultiStepLR`` (mmengine/optim/scheduler/*.py from the git mirror), built
  as ``Runner.build_param_scheduler`` does (``end`` defaulting to ``max_epochs``), ``load_state_dict``, the same
  keys as a fresh scheduler's ``state_dict()``, then ``step()``;
- ``message_hub``: mmengine's own ``MessageHub.load_state_dict`` (mmengine/logging/message_hub.py).

mmengine and MMPretrain are not installed here: their source files are read from the git mirrors and run with
stand-ins for the registry and logging pieces they import.

Make a ``survival.pth`` from a real (tiny) LeNet-5 run, then check it:

    cd /work/main && MMPW_SURVIVAL_PTH=/tmp/survival.pth npx vitest run src/engine/runner/survival.test.ts -t 'resumes mid-epoch'
    /usr/bin/python3 scripts/check_survival_torch.py /tmp/survival.pth

Exit status 0 when every check passes.
"""
import ast
import io
import pickletools
import subprocess
import sys
import types
import zipfile

import torch

MMENGINE = '/work/.mirror/open-mmlab+mmengine/repo'
MMPRETRAIN = '/work/.mirror/open-mmlab+mmpretrain/repo'


def git_show(repo, path):
    return subprocess.run(['git', '-C', repo, 'show', f'HEAD:{path}'], check=True, capture_output=True, text=True).stdout


def module_from(name, source, package=None):
    mod = types.ModuleType(name)
    mod.__package__ = package if package is not None else name.rpartition('.')[0]
    sys.modules[name] = mod
    exec(compile(source, f'<{name}>', 'exec'), mod.__dict__)
    return mod


class _Registry:
    def register_module(self, *args, **kwargs):
        return lambda cls: cls


def install_mmengine_pieces():
    """mmengine's MessageHub and MultiStepLR from the mirror, with stand-ins for what they import."""
    pkg = lambda name: sys.modules.setdefault(name, types.ModuleType(name))  # noqa: E731
    mmengine = pkg('mmengine')
    mmengine.__path__ = []
    registry = pkg('mmengine.registry')
    registry.PARAM_SCHEDULERS = _Registry()
    logging_pkg = pkg('mmengine.logging')
    logging_pkg.__path__ = []
    logger = pkg('mmengine.logging.logger')
    logger.print_log = lambda msg, logger=None, level=None: print(f'    [mmengine log] {msg}')
    logging_pkg.print_log = logger.print_log
    optim = pkg('mmengine.optim')
    optim.__path__ = []

    class BaseOptimWrapper:  # only an isinstance target for the schedulers
        pass

    optim.BaseOptimWrapper = BaseOptimWrapper
    utils = pkg('mmengine.utils')
    manager = module_from('mmengine.utils.manager', git_show(MMENGINE, 'mmengine/utils/manager.py'))
    utils.ManagerMixin = manager.ManagerMixin
    history = module_from('mmengine.logging.history_buffer', git_show(MMENGINE, 'mmengine/logging/history_buffer.py'))
    hub = module_from('mmengine.logging.message_hub', git_show(MMENGINE, 'mmengine/logging/message_hub.py'))
    logging_pkg.HistoryBuffer = history.HistoryBuffer
    sched_pkg = pkg('mmengine.optim.scheduler')
    sched_pkg.__path__ = []
    module_from('mmengine.optim.scheduler.param_scheduler', git_show(MMENGINE, 'mmengine/optim/scheduler/param_scheduler.py'))
    lr = module_from('mmengine.optim.scheduler.lr_scheduler', git_show(MMENGINE, 'mmengine/optim/scheduler/lr_scheduler.py'))
    version = {}
    exec(git_show(MMENGINE, 'mmengine/version.py').split('\n\n\ndef ')[0], version)
    return hub.MessageHub, lr, version.get('__version__', '?')


def mmpretrain_lenet5():
    """MMPretrain's LeNet5 from the mirror (its registry and BaseBackbone stood in for)."""
    registry = types.ModuleType('mmpretrain.registry')
    registry.MODELS = _Registry()
    sys.modules['mmpretrain.registry'] = registry
    base = types.ModuleType('mmpretrain.models.backbones.base_backbone')

    class BaseBackbone(torch.nn.Module):
        def __init__(self, init_cfg=None):
            super().__init__()

    base.BaseBackbone = BaseBackbone
    sys.modules['mmpretrain.models.backbones.base_backbone'] = base
    return module_from('mmpretrain.models.backbones.lenet', git_show(MMPRETRAIN, 'mmpretrain/models/backbones/lenet.py')).LeNet5


def literal(node):
    """A value of mmengine's ``pretty_text`` (dicts written as ``dict(k=v)``), without executing anything."""
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == 'dict' and not node.args:
        return {k.arg: literal(k.value) for k in node.keywords}
    if isinstance(node, ast.Dict):
        return {literal(k): literal(v) for k, v in zip(node.keys, node.values)}
    if isinstance(node, (ast.List, ast.Tuple)):
        items = [literal(e) for e in node.elts]
        return items if isinstance(node, ast.List) else tuple(items)
    return ast.literal_eval(node)


def read_pretty_text(text):
    cfg = {}
    for stmt in ast.parse(text).body:
        if isinstance(stmt, ast.Assign) and len(stmt.targets) == 1 and isinstance(stmt.targets[0], ast.Name):
            cfg[stmt.targets[0].id] = literal(stmt.value)
    return cfg


# torch 1.13's weights-only unpickler reads these opcodes; torch 2 adds BINFLOAT (floats: lr, momentum...).
WEIGHTS_ONLY_OPCODES = {
    'APPEND', 'APPENDS', 'BINGET', 'BININT', 'BININT1', 'BININT2', 'BINPERSID', 'BINPUT', 'BINUNICODE', 'BUILD',
    'EMPTY_DICT', 'EMPTY_LIST', 'EMPTY_SET', 'EMPTY_TUPLE', 'GLOBAL', 'LONG1', 'LONG_BINGET', 'LONG_BINPUT', 'MARK',
    'NEWFALSE', 'NEWOBJ', 'NEWTRUE', 'NONE', 'PROTO', 'REDUCE', 'SETITEM', 'SETITEMS', 'SHORT_BINSTRING', 'STOP',
    'TUPLE', 'TUPLE1', 'TUPLE2', 'TUPLE3',
}
TORCH2_EXTRA_OPCODES = {'BINFLOAT'}


class Checks:
    def __init__(self):
        self.failed = []

    def check(self, ok, what):
        print(f'  {"ok  " if ok else "FAIL"} {what}')
        if not ok:
            self.failed.append(what)
        return ok


def main(path):
    c = Checks()
    print(f'torch {torch.__version__}; {path}')

    # 1. torch.load as mmengine's CheckpointLoader.load_from_local does.
    ck = torch.load(path, map_location='cpu')
    c.check(isinstance(ck, dict) and sorted(ck) == ['message_hub', 'meta', 'optimizer', 'param_schedulers', 'state_dict'], f'torch.load: sections {sorted(ck)}')

    # 2. The weights-only unpickler: torch's own allow-list of globals, its opcodes.
    with zipfile.ZipFile(path) as z:
        pkl = z.read(next(n for n in z.namelist() if n.endswith('/data.pkl')))
    from torch._weights_only_unpickler import _get_allowed_globals

    allowed = _get_allowed_globals()
    globals_used, opcodes = set(), set()
    for op, arg, _ in pickletools.genops(io.BytesIO(pkl)):
        opcodes.add(op.name)
        if op.name == 'GLOBAL':
            globals_used.add(arg.replace(' ', '.'))
    c.check(globals_used <= set(allowed), f'weights-only globals: {sorted(globals_used)} all in torch\'s allow-list')
    extra = opcodes - WEIGHTS_ONLY_OPCODES
    c.check(extra <= TORCH2_EXTRA_OPCODES, f'weights-only opcodes: {sorted(opcodes)}; beyond torch 1.13\'s: {sorted(extra)} (read by torch 2)')
    try:
        torch.load(path, map_location='cpu', weights_only=True)
        print('  ok   torch.load(weights_only=True) on this torch')
    except Exception as e:  # torch 1.13 has no BINFLOAT in its weights-only unpickler
        print(f'  note torch.load(weights_only=True) on torch {torch.__version__}: {type(e).__name__}: {e}' + (' (BINFLOAT is read from torch 2)' if extra <= TORCH2_EXTRA_OPCODES else ''))

    # 3. meta, as Runner.resume reads it.
    meta = ck['meta']
    c.check(isinstance(meta.get('epoch'), int) and isinstance(meta.get('iter'), int), f"meta epoch {meta.get('epoch')!r}, iter {meta.get('iter')!r} (ints)")
    c.check('seed' in meta, f"meta seed {meta.get('seed')!r}")
    classes = (meta.get('dataset_meta') or {}).get('classes')
    c.check(isinstance(classes, list) and all(isinstance(x, str) for x in classes), f'meta dataset_meta classes: {len(classes or [])} names')
    cfg = read_pretty_text(meta['cfg']) if isinstance(meta.get('cfg'), str) else None
    c.check(cfg is not None and 'model' in cfg, 'meta cfg: mmengine pretty_text with the model')
    studio = meta.get('studio', {})
    c.check(studio.get('survival') is True and isinstance(studio.get('inner_iter'), int), f"meta studio: survival, inner_iter {studio.get('inner_iter')!r} of {studio.get('epoch_length')!r}")

    # 4. state_dict into MMPretrain's LeNet5 (strict), after _load_checkpoint_to_model's key revision.
    LeNet5 = mmpretrain_lenet5()
    model = torch.nn.Module()
    model.backbone = LeNet5(num_classes=cfg['model']['backbone']['num_classes'])
    import re

    sd = {re.sub(r'^module\.', '', k): v for k, v in ck['state_dict'].items()}
    result = model.load_state_dict(sd, strict=True)
    c.check(not result.missing_keys and not result.unexpected_keys, f'state_dict: {len(sd)} tensors load strictly into MMPretrain LeNet5 ({sum(v.numel() for v in sd.values())} values)')
    c.check(all(v.dtype == torch.float32 for v in sd.values()), 'state_dict: float32')

    # 5. optimizer: OptimWrapper.load_state_dict → torch.optim.SGD.load_state_dict, state shapes, one step.
    opt_cfg = dict(cfg['optim_wrapper']['optimizer'])
    opt_type = opt_cfg.pop('type')
    optimizer = getattr(torch.optim, opt_type)(model.parameters(), **opt_cfg)
    optimizer.load_state_dict(ck['optimizer'])
    params = list(model.parameters())
    shapes_ok = all(
        all(t.shape == p.shape for t in optimizer.state[p].values() if torch.is_tensor(t))
        for p in params
    )
    c.check(len(optimizer.state) == len(params) and shapes_ok, f'optimizer: {opt_type} state for {len(optimizer.state)} of {len(params)} parameters, each its parameter\'s shape')
    c.check(optimizer.param_groups[0]['lr'] == ck['optimizer']['param_groups'][0]['lr'], f"optimizer: lr {optimizer.param_groups[0]['lr']}, initial_lr {optimizer.param_groups[0].get('initial_lr')}")
    x = torch.randn(2, 1, 32, 32)
    model.backbone(x)[0].sum().backward()
    optimizer.step()
    optimizer.zero_grad()
    c.check(all(torch.isfinite(p).all() for p in params), 'optimizer: one step runs')

    # 6. param_schedulers: mmengine's own classes, built as Runner.build_param_scheduler does, then loaded.
    MessageHub, lr_mod, mmengine_version = install_mmengine_pieces()
    sched_cfgs = cfg['param_scheduler'] if isinstance(cfg['param_scheduler'], list) else [cfg['param_scheduler']]
    c.check(len(sched_cfgs) == len(ck['param_schedulers']), f"param_schedulers: {len(ck['param_schedulers'])} for the config's {len(sched_cfgs)}")
    max_epochs = cfg['train_cfg']['max_epochs']
    for s_cfg, state in zip(sched_cfgs, ck['param_schedulers']):
        s_cfg = dict(s_cfg)
        cls = getattr(lr_mod, s_cfg.pop('type'))
        s_cfg.setdefault('end', max_epochs if s_cfg.get('by_epoch', True) else None)
        fresh_opt = getattr(torch.optim, opt_type)(model.parameters(), **opt_cfg)
        fresh = cls(fresh_opt, **s_cfg)
        c.check(set(state) == set(fresh.state_dict()), f'{cls.__name__}: the keys of a fresh scheduler\'s state_dict(): {sorted(state)}')
        sched = cls(optimizer, **s_cfg)
        sched.load_state_dict(state)
        c.check(sched.last_step == state['last_step'] and dict(sched.milestones) == dict(state['milestones']), f'{cls.__name__}: last_step {sched.last_step}, milestones {dict(sched.milestones)}')
        sched.step()
        c.check(sched.last_step == state['last_step'] + 1, f'{cls.__name__}: step() → last_step {sched.last_step}, lr {optimizer.param_groups[0]["lr"]}')

    # 7. message_hub: mmengine's MessageHub.load_state_dict.
    hub = MessageHub.get_instance('check_survival')
    hub.load_state_dict(ck['message_hub'])
    info = ck['message_hub']['runtime_info']
    c.check(all(hub.get_info(k) == v for k, v in info.items()), f'MessageHub.load_state_dict: runtime_info {sorted(info)}')
    print(f'(mmengine {mmengine_version} from the mirror; MMPretrain LeNet5 from the mirror)')

    print('all checks passed' if not c.failed else f'{len(c.failed)} check(s) failed: {c.failed}')
    return 0 if not c.failed else 1


if __name__ == '__main__':
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    sys.exit(main(sys.argv[1]))
