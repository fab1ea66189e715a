"""Reference outputs of MMPretrain 1.2's EfficientNet / EfficientNetV2 for `efficientnet.test.ts`.

Runs the real `mmpretrain/models/backbones/efficientnet{,_v2}.py` and `models/utils/{inverted_residual,se_layer,
make_divisible}.py` (read from a git mirror of mmpretrain) and mmcv's `Conv2dAdaptivePadding`, with minimal
stand-ins for the rest of mmcv / mmengine (ConvModule conv→BN→act, eval-mode DropPath, BaseModule, Sequential).
Weights are not stored: both sides fill every state-dict entry with the same closed-form values (`fill` below and
`deterministicWeights` in the test). Needs PyTorch 1.13 and numpy:

    python3 gen_reference.py /path/to/mmpretrain.git /path/to/mmcv.git
"""
import importlib
import math
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np

SHIMS = {
    'mmengine/__init__.py': '''
class _Reg:
    def register_module(self, name=None, module=None, force=False):
        return lambda cls: cls
MODELS = _Reg()
''',
    'mmengine/model/__init__.py': '''
import torch.nn as nn
class BaseModule(nn.Module):
    def __init__(self, init_cfg=None):
        super().__init__()
        self.init_cfg = init_cfg
class Sequential(BaseModule, nn.Sequential):
    def __init__(self, *args, init_cfg=None):
        BaseModule.__init__(self, init_cfg)
        nn.Sequential.__init__(self, *args)
''',
    'mmengine/utils/__init__.py': '''
def is_tuple_of(seq, expected_type):
    return isinstance(seq, (tuple, list)) and all(isinstance(s, expected_type) for s in seq)
''',
    'mmcv/__init__.py': '',
    'mmcv/cnn/__init__.py': 'from .bricks import ConvModule, DropPath\n',
    'mmcv/cnn/bricks/__init__.py': '''
import torch, torch.nn as nn
from .conv2d_adaptive_padding import Conv2dAdaptivePadding

class Swish(nn.Module):
    def forward(self, x):
        return x * torch.sigmoid(x)

def build_act(cfg):
    cfg = dict(cfg)
    t = cfg.pop('type')
    cfg.pop('inplace', None)
    return {'ReLU': nn.ReLU, 'Swish': Swish, 'Sigmoid': nn.Sigmoid, 'SiLU': nn.SiLU, 'ReLU6': nn.ReLU6}[t](**cfg)

class ConvModule(nn.Module):
    def __init__(self, in_channels, out_channels, kernel_size, stride=1, padding=0, dilation=1, groups=1,
                 bias='auto', conv_cfg=None, norm_cfg=None, act_cfg=dict(type='ReLU'), inplace=True,
                 order=('conv', 'norm', 'act')):
        super().__init__()
        self.with_norm = norm_cfg is not None
        if bias == 'auto':
            bias = not self.with_norm
        conv = {'Conv2d': nn.Conv2d, 'Conv2dAdaptivePadding': Conv2dAdaptivePadding}[
            'Conv2d' if conv_cfg is None else conv_cfg['type']]
        self.conv = conv(in_channels, out_channels, kernel_size, stride=stride, padding=padding,
                         dilation=dilation, groups=groups, bias=bias)
        self.in_channels, self.out_channels, self.stride = in_channels, out_channels, self.conv.stride
        if self.with_norm:
            n = dict(norm_cfg)
            assert n.pop('type') == 'BN'
            self.bn = nn.BatchNorm2d(out_channels, **n)
        self.with_activation = act_cfg is not None
        if self.with_activation:
            self.activate = build_act(act_cfg)

    def forward(self, x):
        x = self.conv(x)
        if self.with_norm:
            x = self.bn(x)
        if self.with_activation:
            x = self.activate(x)
        return x

class DropPath(nn.Module):
    def __init__(self, drop_prob=0.1):
        super().__init__()
        self.drop_prob = drop_prob
    def forward(self, x):
        assert not self.training
        return x
''',
    'mmpretrain/__init__.py': '',
    'mmpretrain/registry.py': 'from mmengine import MODELS\n',
    'mmpretrain/models/__init__.py': '',
    'mmpretrain/models/backbones/__init__.py': '',
    'mmpretrain/models/utils/__init__.py': '''
from .make_divisible import make_divisible
from .se_layer import SELayer
from .inverted_residual import InvertedResidual
''',
}

MMPRETRAIN_FILES = ['backbones/efficientnet.py', 'backbones/efficientnet_v2.py', 'backbones/base_backbone.py',
                    'utils/inverted_residual.py', 'utils/se_layer.py', 'utils/make_divisible.py']


def setup(mmpretrain_git, mmcv_git):
    root = Path(tempfile.mkdtemp())
    for rel, text in SHIMS.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(text)
    show = lambda repo, path: subprocess.run(['git', '-C', repo, 'show', f'HEAD:{path}'], check=True,
                                             capture_output=True, text=True).stdout
    for f in MMPRETRAIN_FILES:
        (root / 'mmpretrain/models' / f).write_text(show(mmpretrain_git, f'mmpretrain/models/{f}'))
    cap = show(mmcv_git, 'mmcv/cnn/bricks/conv2d_adaptive_padding.py')
    (root / 'mmcv/cnn/bricks/conv2d_adaptive_padding.py').write_text(
        cap.replace('from mmengine.registry import MODELS', 'from mmengine import MODELS'))
    sys.path.insert(0, str(root))


def fill(sd):
    """The closed-form weights (same formulas as the test's `deterministicWeights`)."""
    import torch
    out = {}
    for j, (k, v) in enumerate(sd.items()):
        if k.endswith('num_batches_tracked'):
            out[k] = v
            continue
        i = np.arange(v.numel(), dtype=np.float64)
        if k.endswith('running_var'):
            a = 1 + 0.5 * np.sin(0.37 * i + j)
        elif k.endswith('running_mean'):
            a = 0.1 * np.sin(0.61 * i + j)
        elif v.dim() == 1 and k.endswith('weight'):
            a = 1 + 0.2 * np.sin(0.53 * i + j)
        elif v.dim() == 1:
            a = 0.1 * np.sin(0.71 * i + j)
        else:
            fan_in = v[0].numel()
            a = math.sqrt(3 / fan_in) * np.sin(1.3 * i + 0.7 * j)
        out[k] = torch.from_numpy(a.astype(np.float32).reshape(tuple(v.shape)))
    return out


CASES = {
    # name: (module, class, kwargs, input shape)
    'v2_b1': ('efficientnet_v2', 'EfficientNetV2', dict(arch='b1', out_indices=[0, 1, 2, 3, 4, 5, 6, 7]), (1, 3, 27, 23)),
    'v2_b0_plain_conv': ('efficientnet_v2', 'EfficientNetV2', dict(arch='b0', conv_cfg=None, out_indices=[4, 7]), (1, 3, 33, 31)),
    'es_relu': ('efficientnet', 'EfficientNet', dict(arch='es', act_cfg=dict(type='ReLU'), out_indices=[0, 1, 2, 3, 4, 5, 6]), (1, 3, 27, 23)),
    'em': ('efficientnet', 'EfficientNet', dict(arch='em', out_indices=[1, 6]), (1, 3, 32, 30)),
    'b0_plain_conv': ('efficientnet', 'EfficientNet', dict(arch='b0', conv_cfg=None, out_indices=[2, 6]), (1, 3, 37, 29)),
}


def structure():
    """Per arch: parameter count, number of state-dict entries, sha256 of 'key:shape' lines, blocks per layer."""
    import hashlib
    from mmpretrain.models.backbones.efficientnet import EfficientNet
    from mmpretrain.models.backbones.efficientnet_v2 import EfficientNetV2
    out = {}
    for cls in (EfficientNet, EfficientNetV2):
        for arch in cls.arch_settings:
            m = cls(arch=arch)
            sd = m.state_dict()
            text = '\n'.join(f'{k}:{list(v.shape)}' for k, v in sd.items())
            out[f'{cls.__name__}/{arch}'] = dict(
                params=sum(p.numel() for p in m.parameters()), tensors=len(sd),
                sha256=hashlib.sha256(text.encode()).hexdigest(),
                blocks=[len(layer) if isinstance(layer, torch_nn().Sequential) else 1 for layer in m.layers])
    return out


def torch_nn():
    import torch.nn
    return torch.nn


def main():
    setup(sys.argv[1], sys.argv[2])
    import json
    import torch
    torch.manual_seed(0)
    here = Path(__file__).parent
    rows = [f' {json.dumps(k)}: {json.dumps(v)}' for k, v in structure().items()]
    (here / 'structure.json').write_text('{\n' + ',\n'.join(rows) + '\n}\n')
    for name, (mod, cls, kwargs, shape) in CASES.items():
        m = getattr(importlib.import_module(f'mmpretrain.models.backbones.{mod}'), cls)(**kwargs)
        m.load_state_dict(fill(m.state_dict()))
        m.eval()
        x = np.random.default_rng(0).standard_normal(shape, dtype=np.float32)
        with torch.no_grad():
            outs = m(torch.from_numpy(x))
        arrays = {'x': x, **{f'out_{i}': o.numpy() for i, o in enumerate(outs)}}
        np.savez(here / f'{name}.npz', **arrays)
        print(name, {k: (v.shape, float(np.abs(v).max())) for k, v in arrays.items()})


if __name__ == '__main__':
    main()
