"""Reference outputs of HRNet (custom multi-module `extra`, `multiscale_output` both ways, w18 + HRFuseScales),
DenseNet (121 and a custom arch) and InceptionV3 (eval at 75 px; logits and the auxiliary head at 299 px),
from MMPretrain 1.2's own sources (read from a git mirror) run on PyTorch with minimal stand-ins for the mmcv /
mmengine pieces they import. Weights and inputs are not stored: both sides fill them with `det_fill` (the same
formula in `load.ts`), so only `cases.json` (configs, input shapes, the sha256 of each module's `key:shape` list) and the outputs
(`<case>.npz`: `out_<i>`) are written.

Usage: python3 make_fixtures.py [/path/to/mmpretrain-git-dir]
"""
import hashlib
import json
import os
import subprocess
import sys
import tempfile

import numpy as np
import torch

MIRROR = sys.argv[1] if len(sys.argv) > 1 else '/work/.mirror/open-mmlab+mmpretrain/repo'
HERE = os.path.dirname(os.path.abspath(__file__))

STUBS = {
    'mmcv/__init__.py': '',
    'mmcv/cnn/__init__.py': '''
import torch.nn as nn
ABBR = {'BN': 'bn', 'GN': 'gn'}
def build_conv_layer(cfg, *args, **kwargs):
    assert cfg is None or cfg.get('type') in ('Conv', 'Conv2d')
    return nn.Conv2d(*args, **kwargs)
def build_norm_layer(cfg, num_features, postfix=''):
    cfg = dict(cfg); t = cfg.pop('type'); cfg.pop('requires_grad', None)
    layer = nn.BatchNorm2d(num_features, **cfg) if t == 'BN' else nn.GroupNorm(num_channels=num_features, **cfg)
    return ABBR[t] + str(postfix), layer
def build_activation_layer(cfg):
    cfg = dict(cfg); t = cfg.pop('type')
    return {'ReLU': nn.ReLU}[t](**cfg)
class ConvModule(nn.Module):
    def __init__(self, in_channels, out_channels, kernel_size, stride=1, padding=0, dilation=1, groups=1, bias='auto',
                 conv_cfg=None, norm_cfg=None, act_cfg=dict(type='ReLU'), inplace=True):
        super().__init__()
        if bias == 'auto':
            bias = norm_cfg is None
        self.conv = build_conv_layer(conv_cfg, in_channels, out_channels, kernel_size, stride=stride, padding=padding,
                                     dilation=dilation, groups=groups, bias=bias)
        self.norm_name = None
        if norm_cfg is not None:
            self.norm_name, norm = build_norm_layer(norm_cfg, out_channels)
            self.add_module(self.norm_name, norm)
        self.activate = nn.ReLU(inplace=inplace) if act_cfg is not None else None
    def forward(self, x):
        x = self.conv(x)
        if self.norm_name:
            x = getattr(self, self.norm_name)(x)
        return self.activate(x) if self.activate is not None else x
''',
    'mmcv/cnn/bricks/__init__.py': '''
import torch.nn as nn
from mmcv.cnn import build_conv_layer, build_norm_layer, build_activation_layer, ConvModule
class DropPath(nn.Module):
    def __init__(self, drop_prob=0.1):
        super().__init__()
        self.drop_prob = drop_prob
    def forward(self, x):
        return x
''',
    'mmengine/__init__.py': '',
    'mmengine/model/__init__.py': '''
import torch.nn as nn
class BaseModule(nn.Module):
    def __init__(self, init_cfg=None):
        super().__init__()
        self.init_cfg = init_cfg
class ModuleList(BaseModule, nn.ModuleList):
    def __init__(self, modules=None, init_cfg=None):
        BaseModule.__init__(self, init_cfg)
        nn.ModuleList.__init__(self, modules)
class Sequential(BaseModule, nn.Sequential):
    def __init__(self, *args, init_cfg=None):
        BaseModule.__init__(self, init_cfg)
        nn.Sequential.__init__(self, *args)
''',
    'mmengine/model/weight_init.py': '''
import torch.nn as nn
def constant_init(module, val, bias=0):
    nn.init.constant_(module.weight, val)
    if getattr(module, 'bias', None) is not None:
        nn.init.constant_(module.bias, bias)
''',
    'mmengine/utils/__init__.py': '',
    'mmengine/utils/dl_utils/__init__.py': '',
    'mmengine/utils/dl_utils/parrots_wrapper.py': 'from torch.nn.modules.batchnorm import _BatchNorm\n',
    'mmpretrain/__init__.py': '',
    'mmpretrain/registry.py': '''
class _Registry:
    def register_module(self, *args, **kwargs):
        return lambda cls: cls
MODELS = _Registry()
''',
    'mmpretrain/models/__init__.py': '',
    'mmpretrain/models/backbones/__init__.py': '',
    'mmpretrain/models/necks/__init__.py': '',
}
SOURCES = ['backbones/base_backbone.py', 'backbones/resnet.py', 'backbones/hrnet.py', 'backbones/densenet.py',
           'backbones/inception_v3.py', 'necks/hr_fuse.py']


def det_fill(index, key, shape):
    """The deterministic value of state-dict entry number `index` (also in load.ts)."""
    n = int(np.prod(shape)) if len(shape) else 1
    s = np.sin(0.61803 * np.arange(n, dtype=np.float64) + 0.37 * index)
    if key.endswith('num_batches_tracked'):
        return np.zeros(shape, dtype=np.int64)
    if key.endswith('running_mean'):
        v = 0.1 * s
    elif key.endswith('running_var'):
        v = 1 + 0.25 * s
    elif key.endswith('bias'):
        v = 0.05 * s
    elif len(shape) == 1:
        v = 0.8 + 0.2 * s
    else:
        v = s * np.sqrt(1 / (n / shape[0]))
    return v.reshape(shape).astype(np.float32)


def det_input(shape):
    n = int(np.prod(shape))
    return np.sin(0.1 * np.arange(n, dtype=np.float64) + 0.5).reshape(shape).astype(np.float32)


def fill(model):
    """Fills `model` by `det_fill`; returns the number of entries and the sha256 of `key:shape` lines in order."""
    sd = model.state_dict()
    model.load_state_dict({k: torch.from_numpy(det_fill(i, k, list(v.shape))) for i, (k, v) in enumerate(sd.items())})
    lines = ''.join(f'{k}:{",".join(map(str, v.shape))}\n' for k, v in sd.items())
    return dict(count=len(sd), sha256=hashlib.sha256(lines.encode()).hexdigest())


HR_EXTRA = dict(
    stage1=dict(num_modules=1, num_branches=1, block='BOTTLENECK', num_blocks=[2], num_channels=[4]),
    stage2=dict(num_modules=2, num_branches=2, block='BOTTLENECK', num_blocks=[1, 2], num_channels=[2, 4]),
    stage3=dict(num_modules=2, num_branches=3, block='BASIC', num_blocks=[2, 1, 1], num_channels=[3, 6, 12]),
    stage4=dict(num_modules=2, num_branches=4, block='BASIC', num_blocks=[1, 1, 1, 2], num_channels=[3, 6, 12, 24]))


def main():
    tmp = tempfile.mkdtemp()
    for path, text in STUBS.items():
        os.makedirs(os.path.join(tmp, os.path.dirname(path)), exist_ok=True)
        with open(os.path.join(tmp, path), 'w') as f:
            f.write(text)
    for src in SOURCES:
        text = subprocess.check_output(['git', '-C', MIRROR, 'show', f'HEAD:mmpretrain/models/{src}'])
        with open(os.path.join(tmp, 'mmpretrain/models', src), 'wb') as f:
            f.write(text)
    sys.path.insert(0, tmp)
    from mmpretrain.models.backbones.densenet import DenseNet
    from mmpretrain.models.backbones.hrnet import HRNet
    from mmpretrain.models.backbones.inception_v3 import InceptionV3
    from mmpretrain.models.necks.hr_fuse import HRFuseScales

    cases = []

    def case(name, cfgs, modules, input_shape, run, train=False):
        keys = {part: fill(m) for part, m in modules.items()}
        for m in modules.values():
            m.train(train)
        x = torch.from_numpy(det_input(input_shape))
        with torch.no_grad():
            outs = [o for o in run(x)]
        np.savez_compressed(os.path.join(HERE, f'{name}.npz'), **{f'out_{i}': o.numpy() for i, o in enumerate(outs)})
        cases.append(dict(name=name, cfgs=cfgs, keys=keys, input_shape=input_shape, train=train,
                          out_shapes=[list(o.shape) for o in outs]))

    for ms in (True, False):
        m = HRNet(extra=HR_EXTRA, multiscale_output=ms)
        case(f'hrnet_multi_ms{int(ms)}', {'backbone': dict(type='HRNet', extra=HR_EXTRA, multiscale_output=ms)},
             {'backbone': m}, [2, 3, 32, 32], lambda x, m=m: m(x))

    bb, neck = HRNet(arch='w18'), HRFuseScales(in_channels=[18, 36, 72, 144])
    case('hrnet_w18_fuse', {'backbone': dict(type='HRNet', arch='w18'), 'neck': dict(type='HRFuseScales', in_channels=[18, 36, 72, 144])},
         {'backbone': bb, 'neck': neck}, [1, 3, 32, 32], lambda x: (lambda f: list(f) + list(neck(f)))(bb(x)))

    m = DenseNet(arch='121', out_indices=[0, 1, 2, 3])
    case('densenet121', {'backbone': dict(type='DenseNet', arch='121', out_indices=[0, 1, 2, 3])}, {'backbone': m},
         [1, 3, 32, 32], m)
    arch = dict(growth_rate=6, depths=[2, 3, 1], init_channels=10)
    m = DenseNet(arch=arch, bn_size=2, compression_factor=0.7, drop_rate=0.2, out_indices=[0, -1])
    case('densenet_custom', {'backbone': dict(type='DenseNet', arch=arch, bn_size=2, compression_factor=0.7, drop_rate=0.2, out_indices=[0, -1])},
         {'backbone': m}, [2, 3, 48, 48], m)

    m = InceptionV3(num_classes=10, aux_logits=True)
    case('inception_eval', {'backbone': dict(type='InceptionV3', num_classes=10, aux_logits=True)}, {'backbone': m},
         [2, 3, 75, 75], lambda x: [m(x)[1]])
    # The auxiliary head on Mixed_6e's output, in eval mode (PyTorch only runs it while training, where batch
    # statistics over its 1x1 maps make the outputs too ill-conditioned to compare).
    m = InceptionV3(num_classes=10, aux_logits=True)

    def logits_and_aux(x):
        feat = []
        hook = m.Mixed_6e.register_forward_hook(lambda mod, inp, out: feat.append(out))
        logits = m(x)[1]
        hook.remove()
        return [logits, m.AuxLogits(feat[0])]
    case('inception_aux_eval', {'backbone': dict(type='InceptionV3', num_classes=10, aux_logits=True)}, {'backbone': m},
         [1, 3, 299, 299], logits_and_aux)

    with open(os.path.join(HERE, 'cases.json'), 'w') as f:
        json.dump(dict(cases=cases), f, indent=1)


if __name__ == '__main__':
    main()
