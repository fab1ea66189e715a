"""Reference outputs of SwinTransformer / SwinTransformerV2 variants the zoo fixture does not cover, from MMPretrain
1.2's own `backbones/swin_transformer*.py`, `utils/attention.py`, `utils/embed.py`, `utils/helpers.py`,
`utils/layer_scale.py` and `backbones/base_backbone.py` (read from the git mirror), with mmcv's own `AdaptivePadding`,
`PatchEmbed`, `PatchMerging` and `FFN` (source cut from the mmcv mirror) and minimal stand-ins for the rest of
mmcv / mmengine (LayerNorm builder, identity DropPath in eval, BaseModule, logger).

Cases cover: padding to whole windows, `pad_small_map`, a feature map equal to the window (no shift), absolute
position embeddings resized at run time, `out_after_downsample`, block / stage configs, V2's per-stage window sizes,
`pretrained_window_sizes`, extra norms, a 3×3 'same' PatchMerging; and loading a checkpoint of another window size
and image size (MMPretrain's load-state-dict pre-hooks resize `relative_position_bias_table` / `absolute_pos_embed`,
V2 re-creates `relative_position_index` / `relative_coords_table`). `rpb_resize.npz` holds tables resized by
`resize_relative_position_bias_table` (scipy's `interp2d`, scipy 1.10).

Weights and inputs are not stored: both sides fill them with group D's `det_fill` / `det_input` (`../group_d`),
except `relative_position_index` / `relative_coords_table`, which keep their constructed values. `cases.json` holds
configs, input shapes and the sha256 of the `key:shape` list; `<case>.npz` the outputs (`out_<i>`, float64 maths).

Usage: /usr/bin/python3 make_fixtures.py [/path/to/mmpretrain-git-dir] [/path/to/mmcv-git-dir]
(needs PyTorch and scipy < 1.14, e.g. Debian's python3-torch and python3-scipy)
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
    """The source of top-level classes `names` (class line up to the next top-level statement)."""
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
    'mmengine/utils/dl_utils/__init__.py': '',
    'mmengine/utils/dl_utils/parrots_wrapper.py': 'from torch.nn.modules.batchnorm import _BatchNorm\n',
    'mmengine/logging/__init__.py': '''
class MMLogger:
    @staticmethod
    def get_current_instance():
        return MMLogger()
    def info(self, msg):
        print('  [log]', msg)
''',
    'mmpretrain/__init__.py': '',
    'mmpretrain/registry.py': '''
class _Registry:
    def register_module(self, *args, **kwargs):
        return lambda cls: cls
MODELS = _Registry()
''',
    'mmpretrain/models/__init__.py': '',
    'mmpretrain/models/builder.py': 'from mmpretrain.registry import MODELS\n',
    'mmpretrain/models/backbones/__init__.py': '',
    'mmpretrain/models/utils/__init__.py': '''
from .attention import ShiftWindowMSA, WindowMSA, WindowMSAV2
from .embed import PatchMerging, resize_pos_embed, resize_relative_position_bias_table
from .helpers import to_2tuple
''',
}

REAL = ['mmpretrain/models/utils/attention.py', 'mmpretrain/models/utils/embed.py', 'mmpretrain/models/utils/helpers.py',
        'mmpretrain/models/utils/layer_scale.py', 'mmpretrain/models/backbones/base_backbone.py',
        'mmpretrain/models/backbones/swin_transformer.py', 'mmpretrain/models/backbones/swin_transformer_v2.py']

V1 = 'SwinTransformer'
V2 = 'SwinTransformerV2'
CASES = [
    # name, type, cfg, input shape, [source cfg whose filled state dict is loaded]
    ('swin_pad_small', V1, dict(arch=dict(embed_dims=16, depths=[2, 2, 2], num_heads=[2, 2, 4]), img_size=64, window_size=4,
                                pad_small_map=True, use_abs_pos_embed=True, out_indices=[0, 1, 2]), [1, 3, 60, 44], None),
    ('swin_after_ds', V1, dict(arch=dict(embed_dims=16, depths=[2, 2], num_heads=[2, 4]), img_size=32, window_size=4,
                               out_after_downsample=True, out_indices=[0, 1], norm_cfg=dict(type='LN', eps=1e-6),
                               stage_cfgs=dict(block_cfgs=dict(ffn_ratio=2., attn_cfgs=dict(qkv_bias=False)))),
     [2, 3, 32, 32], None),
    ('swin_w7', V1, dict(arch=dict(embed_dims=24, depths=[2, 3], num_heads=[3, 6]), img_size=64, window_size=7,
                         out_indices=[0, 1], use_abs_pos_embed=True, interpolate_mode='bilinear'), [1, 3, 56, 56], None),
    ('swin_load_w4_to_w7', V1, dict(arch=dict(embed_dims=16, depths=[2, 2], num_heads=[2, 4]), img_size=96, window_size=7,
                                    use_abs_pos_embed=True, out_indices=[1]), [1, 3, 96, 96],
     dict(arch=dict(embed_dims=16, depths=[2, 2], num_heads=[2, 4]), img_size=64, window_size=4, use_abs_pos_embed=True,
          out_indices=[1])),
    ('swinv2_multi', V2, dict(arch=dict(embed_dims=16, depths=[2, 2, 2], num_heads=[2, 2, 4], extra_norm_every_n_blocks=1),
                              img_size=64, window_size=[4, 4, 2], pretrained_window_sizes=[0, 3, 0], use_abs_pos_embed=True,
                              out_indices=[0, 1, 2]), [1, 3, 64, 48], None),
    ('swinv2_ds3', V2, dict(arch=dict(embed_dims=16, depths=[1, 2], num_heads=[2, 4], extra_norm_every_n_blocks=0),
                            img_size=64, window_size=8, pad_small_map=True, out_indices=[1],
                            stage_cfgs=[dict(), dict(downsample_cfg=dict(kernel_size=3, stride=2, padding='same'),
                                                     block_cfgs=dict(attn_cfgs=dict(cpb_mlp_hidden_dims=64, qkv_bias=False)))]),
     [1, 3, 64, 64], None),
    ('swinv2_load_w4_to_w8', V2, dict(arch=dict(embed_dims=16, depths=[2, 2], num_heads=[2, 4], extra_norm_every_n_blocks=0),
                                      img_size=96, window_size=[8, 6], pretrained_window_sizes=[4, 4], use_abs_pos_embed=True,
                                      out_indices=[0, 1]), [1, 3, 96, 96],
     dict(arch=dict(embed_dims=16, depths=[2, 2], num_heads=[2, 4], extra_norm_every_n_blocks=0), img_size=64,
          window_size=4, use_abs_pos_embed=True, out_indices=[0, 1])),
]

KEEP = ('relative_position_index', 'relative_coords_table')


def digest(model):
    sd = model.state_dict()
    lines = ''.join(f'{k}:{",".join(map(str, v.shape))}\n' for k, v in sd.items())
    return dict(count=len(sd), sha256=hashlib.sha256(lines.encode()).hexdigest())


def fill(model):
    sd = model.state_dict()
    new = {k: (v.clone() if any(s in k for s in KEEP) else torch.from_numpy(det_fill(i, k, list(v.shape))))
           for i, (k, v) in enumerate(sd.items())}
    missing, unexpected = model.load_state_dict(new, strict=False)
    assert not unexpected and all(any(s in k for s in KEEP) for k in missing), (missing, unexpected)


def setup():
    """Writes the stand-ins and MMPretrain's files to a temporary package; returns the two backbone classes."""
    tmp = tempfile.mkdtemp()
    mmcv_src = git_show(MMCV, 'mmcv/cnn/bricks/transformer.py')
    files = dict(STUBS)
    files['mmcv/cnn/bricks/transformer.py'] = MMCV_HEADER + '\n\n' + cut_classes(
        mmcv_src, ['AdaptivePadding', 'PatchEmbed', 'PatchMerging', 'FFN'])
    for p in REAL:
        files[p] = git_show(MIRROR, p)
    for path, text in files.items():
        os.makedirs(os.path.dirname(os.path.join(tmp, path)), exist_ok=True)
        with open(os.path.join(tmp, path), 'w') as f:
            f.write(text)
    sys.path.insert(0, tmp)
    from mmpretrain.models.backbones.swin_transformer import SwinTransformer
    from mmpretrain.models.backbones.swin_transformer_v2 import SwinTransformerV2
    return {V1: SwinTransformer, V2: SwinTransformerV2}


def main():
    classes = setup()
    from mmpretrain.models.utils import resize_relative_position_bias_table

    out = []
    for name, typ, cfg, shape, src_cfg in CASES:
        cls = classes[typ]
        model = cls(**json.loads(json.dumps(cfg)))
        keys = digest(model)
        if src_cfg is None:
            fill(model)
        else:
            src = cls(**json.loads(json.dumps(src_cfg)))
            fill(src)
            missing, unexpected = model.load_state_dict(src.state_dict(), strict=False)
            assert not unexpected and all(any(s in k for s in KEEP) for k in missing), (missing, unexpected)
        model.eval()
        x = torch.from_numpy(det_input(shape)).double()
        with torch.no_grad():
            outs = list(model.double()(x))
        np.savez(os.path.join(HERE, f'{name}.npz'), **{f'out_{i}': t.float().numpy() for i, t in enumerate(outs)})
        case = dict(name=name, cfg=dict(type=typ, **cfg), input_shape=shape, keys=keys, out_shapes=[list(t.shape) for t in outs])
        if src_cfg is not None:
            case['src_cfg'] = dict(type=typ, **src_cfg)
        out.append(case)
        print(name, keys['count'], case['out_shapes'])
    with open(os.path.join(HERE, 'cases.json'), 'w') as f:
        json.dump(dict(cases=out), f, indent=1)

    tables = {}
    for src, dst, heads in [(7, 13, 2), (13, 23, 3), (13, 7, 2), (5, 9, 1)]:
        t = torch.from_numpy(det_fill(0, 'table', [src * src, heads])).float()
        tables[f'src_{src}_{dst}'] = t.numpy()
        tables[f'dst_{src}_{dst}'] = resize_relative_position_bias_table(src, dst, t, heads).numpy()
    np.savez(os.path.join(HERE, 'rpb_resize.npz'), **tables)
    print('rpb_resize', sorted(tables))


if __name__ == '__main__':
    main()
