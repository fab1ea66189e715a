"""Reference outputs of non-default ConvNeXt / ConvMixer / PoolFormer / RIFormer settings, from MMPretrain 1.2's own
backbone sources (read from a git mirror) run on PyTorch with minimal stand-ins for the mmcv / mmengine pieces they
import (DropPath, build_norm_layer, build_activation_layer, BaseModule). Writes `cases.json` and `<case>.npz`
(`x`, `out_<i>`, `sd:<key>` in state_dict order; RIFormer also `deploy_sd:<key>` / `deploy_out_<i>` after
`switch_to_deploy()`).

Usage: python3 make_fixtures.py /path/to/mmpretrain-git-dir
"""
import json
import os
import subprocess
import sys
import tempfile
import textwrap

import numpy as np
import torch

MIRROR = sys.argv[1] if len(sys.argv) > 1 else '/work/.mirror/open-mmlab+mmpretrain/repo'
HERE = os.path.dirname(os.path.abspath(__file__))

STUBS = {
    'mmcv/__init__.py': '',
    'mmcv/cnn/__init__.py': '',
    'mmcv/cnn/bricks.py': '''
import torch
import torch.nn as nn

def drop_path(x, drop_prob=0., training=False):
    if drop_prob == 0. or not training:
        return x
    keep_prob = 1 - drop_prob
    shape = (x.shape[0], ) + (1, ) * (x.ndim - 1)
    random_tensor = keep_prob + torch.rand(shape, dtype=x.dtype, device=x.device)
    return x.div(keep_prob) * random_tensor.floor()

class DropPath(nn.Module):
    def __init__(self, drop_prob=0.1):
        super().__init__()
        self.drop_prob = drop_prob
    def forward(self, x):
        return drop_path(x, self.drop_prob, self.training)

_ABBR = {'BN': ('bn', nn.BatchNorm2d), 'GN': ('gn', nn.GroupNorm), 'LN': ('ln', nn.LayerNorm)}

def build_norm_layer(cfg, num_features, postfix=''):
    cfg_ = dict(cfg)
    abbr, cls = _ABBR[cfg_.pop('type')]
    requires_grad = cfg_.pop('requires_grad', True)
    cfg_.setdefault('eps', 1e-5)
    layer = cls(num_channels=num_features, **cfg_) if abbr == 'gn' else cls(num_features, **cfg_)
    for p in layer.parameters():
        p.requires_grad = requires_grad
    return abbr + str(postfix), layer

_ACTS = {'GELU': nn.GELU, 'ReLU': nn.ReLU, 'SiLU': nn.SiLU}

def build_activation_layer(cfg):
    cfg_ = dict(cfg)
    return _ACTS[cfg_.pop('type')](**cfg_)

Conv2dAdaptivePadding = None
''',
    'mmengine/__init__.py': '',
    'mmengine/utils.py': '''
def digit_version(v):
    return tuple(int(p) for p in v.split('+')[0].split('a')[0].split('.')[:3])
''',
    'mmengine/model.py': '''
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
    'mmpretrain/__init__.py': '',
    'mmpretrain/registry.py': '''
import torch.nn as nn

class _Registry:
    def __init__(self):
        self._m = {'GELU': nn.GELU, 'ReLU': nn.ReLU, 'LN': nn.LayerNorm, 'BN': nn.BatchNorm2d, 'GN': nn.GroupNorm}
    def register_module(self, name=None, **kw):
        def deco(cls):
            self._m[name or cls.__name__] = cls
            return cls
        return deco
    def get(self, name):
        return self._m.get(name)
    def build(self, cfg):
        cfg_ = dict(cfg)
        return self._m[cfg_.pop('type')](**cfg_)

MODELS = _Registry()
''',
    'mmpretrain/models/__init__.py': '',
    'mmpretrain/models/utils/__init__.py': 'from .norm import GRN, LayerNorm2d, build_norm_layer\n',
    'mmpretrain/models/backbones/__init__.py': '',
    'mmpretrain/models/backbones/base_backbone.py': '''
from mmengine.model import BaseModule

class BaseBackbone(BaseModule):
    pass
''',
}

REAL = ['models/utils/norm.py', 'models/backbones/convnext.py', 'models/backbones/convmixer.py',
        'models/backbones/poolformer.py', 'models/backbones/riformer.py']


def setup():
    root = tempfile.mkdtemp()
    for path, text in STUBS.items():
        os.makedirs(os.path.join(root, os.path.dirname(path)), exist_ok=True)
        with open(os.path.join(root, path), 'w') as f:
            f.write(textwrap.dedent(text))
    for rel in REAL:
        src = subprocess.check_output(['git', '-C', MIRROR, 'show', f'HEAD:mmpretrain/{rel}'])
        with open(os.path.join(root, 'mmpretrain', rel), 'wb') as f:
            f.write(src)
    sys.path.insert(0, root)


CASES = [
    ('convnext_v2_conv_pw', 'ConvNeXt', dict(
        arch=dict(depths=[1, 1, 2, 1], channels=[8, 16, 24, 32]), linear_pw_conv=False, use_grn=True,
        layer_scale_init_value=0., gap_before_final_norm=False, out_indices=[0, 1, 2, 3]), [2, 3, 32, 32]),
    ('convnext_grn_linear', 'ConvNeXt', dict(
        arch=dict(depths=[1, 1, 1, 1], channels=[8, 12, 16, 20]), in_channels=2, stem_patch_size=2, use_grn=True,
        layer_scale_init_value=1e-6, out_indices=[1, -1], norm_cfg=dict(type='LN2d', eps=1e-5)), [2, 2, 32, 32]),
    ('convmixer_even_kernel', 'ConvMixer', dict(
        arch=dict(embed_dims=12, depth=3, patch_size=2, kernel_size=4), act_cfg=dict(type='ReLU'),
        out_indices=[0, 1, -1]), [2, 3, 16, 16]),
    ('poolformer_custom', 'PoolFormer', dict(
        arch=dict(layers=[1, 2, 1, 1], embed_dims=[8, 8, 16, 16], mlp_ratios=[1.5, 2, 3, 4],
                  layer_scale_init_value=1e-6), pool_size=5, norm_cfg=dict(type='GN', num_groups=4),
        in_patch_size=4, in_stride=4, in_pad=0, down_patch_size=2, down_stride=2, down_pad=0,
        out_indices=[0, 1, 3, 4]), [2, 3, 32, 32]),
    ('riformer_custom', 'RIFormer', dict(
        arch=dict(layers=[1, 1, 2, 1], embed_dims=[8, 12, 16, 20], mlp_ratios=[2, 2, 2, 2]), in_channels=2,
        norm_cfg=dict(type='GN', num_groups=2), out_indices=[0, 2, 4, 6]), [2, 2, 32, 32]),
]


def perturb(model, gen):
    with torch.no_grad():
        for name, p in model.named_parameters():
            if name.endswith('layer_scale_1') or name.endswith('layer_scale_2') or name.endswith('gamma') and p.dim() == 1 and 'grn' not in name:
                p.copy_(torch.rand(p.shape, generator=gen) + 0.5)
            elif name.endswith('weight') and p.dim() == 1:
                p.copy_(torch.rand(p.shape, generator=gen) + 0.5)
            else:
                p.copy_(torch.randn(p.shape, generator=gen) * (0.5 if p.dim() == 1 else 1.0 / max(1, p[0].numel()) ** 0.5))
        for name, b in model.named_buffers():
            if name.endswith('running_mean'):
                b.copy_(torch.randn(b.shape, generator=gen) * 0.1)
            elif name.endswith('running_var'):
                b.copy_(torch.rand(b.shape, generator=gen) + 0.5)


def arrays_of(sd, prefix):
    return {f'{prefix}{k}': v.detach().numpy() for k, v in sd.items()}


def main():
    setup()
    from mmpretrain.models.backbones import convmixer, convnext, poolformer, riformer  # noqa: E402
    classes = dict(ConvNeXt=convnext.ConvNeXt, ConvMixer=convmixer.ConvMixer, PoolFormer=poolformer.PoolFormer,
                   RIFormer=riformer.RIFormer)
    meta = []
    for name, typ, cfg, shape in CASES:
        gen = torch.Generator().manual_seed(0)
        model = classes[typ](**json.loads(json.dumps(cfg)))
        perturb(model, gen)
        model.eval()
        x = torch.from_numpy(np.random.default_rng(0).standard_normal(shape, dtype=np.float32))
        with torch.no_grad():
            outs = model(x)
        arrays = {'x': x.numpy(), **{f'out_{i}': o.numpy() for i, o in enumerate(outs)}}
        sd = model.state_dict()
        arrays.update(arrays_of(sd, 'sd:'))
        entry = dict(name=name, cfg=dict(type=typ, **cfg), keys=list(sd.keys()), outputs=len(outs))
        if typ == 'RIFormer':
            model.switch_to_deploy()
            with torch.no_grad():
                douts = model(x)
            dsd = model.state_dict()
            arrays.update(arrays_of(dsd, 'deploy_sd:'))
            arrays.update({f'deploy_out_{i}': o.numpy() for i, o in enumerate(douts)})
            entry['deploy_keys'] = list(dsd.keys())
            entry['deploy_max_diff'] = max(float((a - b).abs().max()) for a, b in zip(outs, douts))
        np.savez_compressed(os.path.join(HERE, f'{name}.npz'), **arrays)
        meta.append(entry)
    with open(os.path.join(HERE, 'cases.json'), 'w') as f:
        json.dump(dict(torch=torch.__version__, cases=meta), f, indent=1)


if __name__ == '__main__':
    main()
