"""Reference outputs of TNT / MixMIMTransformer / VisionTransformer (DINOv2's SwiGLU layers) settings the zoo fixtures do not cover, from MMPretrain 1.2's own
`backbones/tnt.py`, `backbones/mixmim.py`, `backbones/vision_transformer.py` (TransformerEncoderLayer),
`utils/attention.py` (WindowMSA), `utils/embed.py`, `utils/norm.py`, `utils/helpers.py`, `utils/layer_scale.py`,
`utils/swiglu_ffn.py` and `backbones/base_backbone.py` (read from the git mirror), with mmcv's own `AdaptivePadding`,
`PatchEmbed`, `PatchMerging`, `MultiheadAttention` and `FFN` (source cut from the mmcv mirror) and minimal stand-ins
for the rest of mmcv / mmengine (LayerNorm / GELU builders, identity DropPath in eval, BaseModule).

TNT cases: a custom arch with qkv bias, ffn ratio 2, three FFN layers, LN eps 1e-6, a non-square input and a
first stride of 2; and a patch size (9) the stride (3) divides into 3×3 pixel grids. MixMIM cases: a custom arch
with an extra key, uneven depths, qkv_bias False, mlp ratio 2, LN eps 1e-6, per-layer windows where the grid is
smaller than the window; a non-square input (windows shrink to the grid's short side); and a single MixMIMBlock
given MixMIM's pre-training `attn_mask` (tokens attend within their own image only).

Weights and inputs are not stored: both sides fill them with group D's `det_fill` / `det_input` (`../group_d`),
except `relative_position_index`, which keeps its constructed values. `cases.json` holds configs, input shapes and
the sha256 of the `key:shape` list, and `arch_params` the backbone parameter counts of the named archs; `<case>.npz`
the outputs (`out_<i>`, float64 maths).

Usage: /usr/bin/python3 make_fixtures.py [/path/to/mmpretrain-git-dir] [/path/to/mmcv-git-dir]
"""
import hashlib
import importlib.util
import json
import os
import re
import subprocess
import sys
import tempfile

import numpy as np
import torch

MIRROR = sys.argv[1] if len(sys.argv) > 1 else '/work/.mirror/open-mmlab+mmpretrain/repo'
MMCV = sys.argv[2] if len(sys.argv) > 2 else '/work/.mirror/open-mmlab+mmcv/repo'
HERE = os.path.dirname(os.path.abspath(__file__))

spec = importlib.util.spec_from_file_location('group_d_fixtures', os.path.join(HERE, '..', 'group_d', 'make_fixtures.py'))
_gd = importlib.util.module_from_spec(spec)
spec.loader.exec_module(_gd)
det_fill, det_input = _gd.det_fill, _gd.det_input


def git_show(repo, path):
    return subprocess.run(['git', '-C', repo, 'show', f'HEAD:{path}'], check=True, capture_output=True, text=True).stdout


def cut_classes(src, names):
    """The source of top-level classes `names` (decorators dropped; class line up to the next top-level statement)."""
    out = []
    for name in names:
        m = re.search(rf'^class {name}\(.*?(?=^\S)', src, flags=re.S | re.M)
        assert m, name
        out.append(m.group(0))
    return '\n\n'.join(out)


MMCV_HEADER = '''
import copy
import math
import warnings
from typing import Sequence
import torch
import torch.nn as nn
import torch.nn.functional as F
from mmengine.model import BaseModule, ModuleList, Sequential
from mmengine.utils import deprecated_api_warning, to_2tuple
from mmcv.cnn import Linear, build_activation_layer, build_conv_layer, build_norm_layer
from .drop import build_dropout
class LayerScale(nn.Module):
    def __init__(self, *a, **k):
        raise NotImplementedError
'''

STUBS = {
    'mmcv/__init__.py': '',
    'mmcv/cnn/__init__.py': '''
import torch.nn as nn
Linear = nn.Linear
def build_activation_layer(cfg):
    return {'ReLU': nn.ReLU, 'GELU': nn.GELU}[cfg['type']]()
def build_conv_layer(cfg, *args, **kwargs):
    assert cfg is None or cfg.get('type', 'Conv2d') == 'Conv2d'
    return nn.Conv2d(*args, **kwargs)
def build_norm_layer(cfg, num):
    assert cfg['type'] == 'LN'
    return 'ln', nn.LayerNorm(num, eps=cfg.get('eps', 1e-5))
''',
    'mmcv/cnn/bricks/__init__.py': '',
    'mmcv/cnn/bricks/drop.py': '''
import torch.nn as nn
class DropPath(nn.Module):
    def __init__(self, drop_prob=0.):
        super().__init__()
    def forward(self, x):
        assert not self.training
        return x
def build_dropout(cfg):
    cfg = dict(cfg)
    t = cfg.pop('type')
    return DropPath(**cfg) if t == 'DropPath' else nn.Dropout(cfg.get('drop_prob', 0.))
''',
    'mmengine/__init__.py': '',
    'mmengine/model/__init__.py': '''
import torch.nn as nn
class BaseModule(nn.Module):
    def __init__(self, init_cfg=None):
        super().__init__()
        self.init_cfg = init_cfg
class ModuleList(nn.ModuleList):
    def __init__(self, modules=None, init_cfg=None):
        super().__init__(modules)
class Sequential(nn.Sequential):
    def __init__(self, *args, init_cfg=None):
        super().__init__(*args)
''',
    'mmengine/model/weight_init.py': 'from torch.nn.init import trunc_normal_\n',
    'mmengine/utils/__init__.py': '''
def digit_version(v):
    return tuple(int(p) for p in v.split('+')[0].split('a')[0].split('.')[:3])
def to_2tuple(x):
    return tuple(x) if isinstance(x, (list, tuple)) else (x, x)
def deprecated_api_warning(*a, **k):
    return lambda f: f
''',
    'mmpretrain/__init__.py': '',
    'mmpretrain/registry.py': '''
import torch.nn as nn
class _Registry:
    scope = 'mmpretrain'
    def __init__(self):
        self._m = {'LN': nn.LayerNorm}
    def register_module(self, name=None, *args, **kwargs):
        def deco(cls):
            self._m[name or cls.__name__] = cls
            return cls
        return deco
    def get(self, name):
        return self._m.get(name)
MODELS = _Registry()
''',
    'mmpretrain/models/__init__.py': '',
    'mmpretrain/models/backbones/__init__.py': '',
    'mmpretrain/models/utils/__init__.py': '''
from .attention import MultiheadAttention, WindowMSA
from .embed import resize_pos_embed
from .helpers import to_2tuple
from .norm import build_norm_layer
from .swiglu_ffn import SwiGLUFFNFused
''',
}

REAL = ['mmpretrain/models/utils/attention.py', 'mmpretrain/models/utils/embed.py', 'mmpretrain/models/utils/helpers.py',
        'mmpretrain/models/utils/layer_scale.py', 'mmpretrain/models/utils/norm.py', 'mmpretrain/models/utils/swiglu_ffn.py',
        'mmpretrain/models/backbones/base_backbone.py', 'mmpretrain/models/backbones/vision_transformer.py',
        'mmpretrain/models/backbones/tnt.py', 'mmpretrain/models/backbones/mixmim.py']

CASES = [
    # name, type, cfg, input shape (NCHW)
    ('tnt_custom', 'TNT', dict(
        arch=dict(embed_dims_outer=24, embed_dims_inner=8, num_layers=2, num_heads_outer=3, num_heads_inner=2),
        img_size=[24, 16], patch_size=8, first_stride=2, qkv_bias=True, ffn_ratio=2, num_fcs=3,
        norm_cfg=dict(type='LN', eps=1e-6)), [2, 3, 24, 16]),
    ('tnt_p9_s3', 'TNT', dict(
        arch=dict(embed_dims_outer=16, embed_dims_inner=4, num_layers=1, num_heads_outer=2, num_heads_inner=1),
        img_size=18, patch_size=9, first_stride=3, in_channels=2), [1, 2, 18, 18]),
    ('mixmim_custom', 'MixMIMTransformer', dict(
        arch=dict(embed_dims=8, depths=[2, 1, 1, 1], num_heads=[1, 2, 2, 4], extra=0), img_size=32, window_size=[4, 2, 4, 2],
        qkv_bias=False, mlp_ratio=2, norm_cfg=dict(type='LN', eps=1e-6)), [2, 3, 32, 32]),
    ('mixmim_rect', 'MixMIMTransformer', dict(
        arch=dict(embed_dims=8, depths=[1, 2, 1], num_heads=[2, 2, 4]), img_size=[32, 64], patch_size=4,
        window_size=[4, 4, 4], patch_cfg=dict(bias=False)), [1, 3, 32, 64]),
    ('mixmim_block_mask', 'MixMIMBlock', dict(
        embed_dims=8, input_resolution=[4, 8], num_heads=2, window_size=4, mlp_ratio=2), [2, 8, 4, 8]),
    # DINOv2-g's layers: SwiGLUFFNFused (hidden (int(40·2/3) + 7) // 8 · 8 = 32) with layer scale, every token out.
    ('vit_swiglu_fused', 'VisionTransformer', dict(
        arch=dict(embed_dims=16, num_layers=2, num_heads=2, feedforward_channels=40), img_size=16, patch_size=8,
        layer_scale_init_value=0.1, out_type='featmap', layer_cfgs=dict(ffn_type='swiglu_fused')), [2, 3, 16, 16]),
]

KEEP = ('relative_position_index',)


def digest(model):
    sd = model.state_dict()
    lines = ''.join(f'{k}:{",".join(map(str, v.shape))}\n' for k, v in sd.items())
    return dict(count=len(sd), sha256=hashlib.sha256(lines.encode()).hexdigest())


def fill(model):
    sd = model.state_dict()
    new = {k: (v.clone() if any(s in k for s in KEEP) else torch.from_numpy(det_fill(i, k, list(v.shape))))
           for i, (k, v) in enumerate(sd.items())}
    model.load_state_dict(new, strict=True)


def block_mask(h, w):
    """MixMIM's `attn_mask` [1, h·w, 1]: 1 where (3·i + 5·j) mod 7 < 3 (a fixed, irregular mixing pattern)."""
    return np.array([1. if (3 * i + 5 * j) % 7 < 3 else 0. for i in range(h) for j in range(w)]).reshape(1, h * w, 1)


def setup():
    tmp = tempfile.mkdtemp()
    mmcv_src = git_show(MMCV, 'mmcv/cnn/bricks/transformer.py')
    files = dict(STUBS)
    files['mmcv/cnn/bricks/transformer.py'] = MMCV_HEADER + '\n\n' + cut_classes(
        mmcv_src, ['AdaptivePadding', 'PatchEmbed', 'PatchMerging', 'MultiheadAttention', 'FFN'])
    for p in REAL:
        files[p] = git_show(MIRROR, p)
    for path, text in files.items():
        os.makedirs(os.path.dirname(os.path.join(tmp, path)), exist_ok=True)
        with open(os.path.join(tmp, path), 'w') as f:
            f.write(text)
    sys.path.insert(0, tmp)
    from mmpretrain.models.backbones.mixmim import MixMIMBlock, MixMIMTransformer
    from mmpretrain.models.backbones.tnt import TNT
    from mmpretrain.models.backbones.vision_transformer import VisionTransformer
    return dict(TNT=TNT, MixMIMTransformer=MixMIMTransformer, MixMIMBlock=MixMIMBlock, VisionTransformer=VisionTransformer)


def to_py(cfg):
    c = json.loads(json.dumps(cfg))
    for k in ('img_size', 'input_resolution'):
        if isinstance(c.get(k), list):
            c[k] = tuple(c[k])
    return c


def main():
    classes = setup()
    out = []
    for name, typ, cfg, shape in CASES:
        model = classes[typ](**to_py(cfg))
        keys = digest(model)
        fill(model)
        model.eval()
        x = torch.from_numpy(det_input(shape)).double()
        with torch.no_grad():
            model = model.double()
            if typ == 'MixMIMBlock':
                b, c, h, w = shape
                mask = torch.from_numpy(block_mask(h, w))
                tokens = x.flatten(2).transpose(1, 2)
                y = model(tokens, attn_mask=mask)
                outs = [y.transpose(1, 2).reshape(b, c, h, w), model(tokens).transpose(1, 2).reshape(b, c, h, w)]
            else:
                outs = list(model(x))
        np.savez(os.path.join(HERE, f'{name}.npz'), **{f'out_{i}': t.float().numpy() for i, t in enumerate(outs)})
        out.append(dict(name=name, cfg=dict(type=typ, **cfg), input_shape=shape, keys=keys,
                        out_shapes=[list(t.shape) for t in outs]))
        print(name, keys['count'], out[-1]['out_shapes'])
    # Backbone parameter counts of the named archs (MixMIM-H, ~0.6G parameters, is left out).
    arch_params = {}
    for typ, arch in [('TNT', 's'), ('TNT', 'b'), ('MixMIMTransformer', 'base'), ('MixMIMTransformer', 'l')]:
        model = classes[typ](arch=arch)
        arch_params[f'{typ}:{arch}'] = sum(p.numel() for p in model.parameters())
        del model
    print(arch_params)
    with open(os.path.join(HERE, 'cases.json'), 'w') as f:
        json.dump(dict(cases=out, arch_params=arch_params), f, indent=1)


if __name__ == '__main__':
    main()
