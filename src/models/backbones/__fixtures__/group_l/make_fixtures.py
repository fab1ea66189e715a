"""Reference outputs of non-default MlpMixer / XCiT / T2T_ViT settings, from MMPretrain 1.2's own sources (read from a
git mirror: backbones/mlp_mixer.py, xcit.py, t2t_vit.py and utils/attention.py, embed.py, helpers.py, norm.py,
layer_scale.py) run on PyTorch with minimal stand-ins for the mmcv / mmengine pieces they import (FFN, PatchEmbed,
ConvModule, DropPath, build_norm_layer, BaseModule). Writes `cases.json` and `<case>.npz` (`x`, `out_<i>`,
`sd:<key>` in state_dict order).

Usage: /usr/bin/python3 make_fixtures.py [/path/to/mmpretrain-git-dir]
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

BRICKS = '''
import torch
import torch.nn as nn
import torch.nn.functional as F

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

def build_dropout(cfg):
    cfg_ = dict(cfg)
    t = cfg_.pop('type')
    if t == 'DropPath':
        return DropPath(cfg_.get('drop_prob', 0.1))
    return nn.Dropout(cfg_.get('drop_prob', 0.5))

_ABBR = {'BN': ('bn', nn.BatchNorm2d), 'LN': ('ln', nn.LayerNorm)}

def build_norm_layer(cfg, num_features, postfix=''):
    cfg_ = dict(cfg)
    abbr, cls = _ABBR[cfg_.pop('type')]
    cfg_.pop('requires_grad', None)
    cfg_.setdefault('eps', 1e-5)
    return abbr + str(postfix), cls(num_features, **cfg_)

_ACTS = {'GELU': nn.GELU, 'ReLU': nn.ReLU}

def build_activation_layer(cfg):
    cfg_ = dict(cfg)
    return _ACTS[cfg_.pop('type')](**cfg_)

def build_conv_layer(cfg, *args, **kwargs):
    return nn.Conv2d(*args, **kwargs)

class ConvModule(nn.Module):
    def __init__(self, in_channels, out_channels, kernel_size, stride=1, padding=0, dilation=1, groups=1,
                 bias='auto', conv_cfg=None, norm_cfg=None, act_cfg=dict(type='ReLU'), inplace=True,
                 order=('conv', 'norm', 'act')):
        super().__init__()
        if bias == 'auto':
            bias = norm_cfg is None
        self.conv = nn.Conv2d(in_channels, out_channels, kernel_size, stride, padding, dilation, groups, bias)
        self.norm_name = None
        if norm_cfg is not None:
            self.norm_name, norm = build_norm_layer(norm_cfg, out_channels)
            self.add_module(self.norm_name, norm)
        self.activate = build_activation_layer(act_cfg) if act_cfg is not None else None
        self.order = order
    def forward(self, x):
        for layer in self.order:
            if layer == 'conv':
                x = self.conv(x)
            elif layer == 'norm' and self.norm_name:
                x = getattr(self, self.norm_name)(x)
            elif layer == 'act' and self.activate is not None:
                x = self.activate(x)
        return x
'''

TRANSFORMER = '''
import math
import torch
import torch.nn as nn
import torch.nn.functional as F
from mmengine.model import BaseModule, Sequential
from . import build_activation_layer, build_dropout

class FFN(BaseModule):
    def __init__(self, embed_dims=256, feedforward_channels=1024, num_fcs=2, act_cfg=dict(type='ReLU', inplace=True),
                 ffn_drop=0., dropout_layer=None, add_identity=True, init_cfg=None, layer_scale_init_value=0.):
        super().__init__(init_cfg)
        layers = []
        in_channels = embed_dims
        for _ in range(num_fcs - 1):
            layers.append(Sequential(nn.Linear(in_channels, feedforward_channels), build_activation_layer(act_cfg),
                                     nn.Dropout(ffn_drop)))
            in_channels = feedforward_channels
        layers.append(nn.Linear(feedforward_channels, embed_dims))
        layers.append(nn.Dropout(ffn_drop))
        self.layers = Sequential(*layers)
        self.dropout_layer = build_dropout(dropout_layer) if dropout_layer else torch.nn.Identity()
        self.add_identity = add_identity
        self.gamma2 = nn.Identity()
    def forward(self, x, identity=None):
        out = self.gamma2(self.layers(x))
        if not self.add_identity:
            return self.dropout_layer(out)
        if identity is None:
            identity = x
        return identity + self.dropout_layer(out)

class AdaptivePadding(nn.Module):
    def __init__(self, kernel_size=1, stride=1, dilation=1, padding='corner'):
        super().__init__()
        self.k, self.s = kernel_size, stride
    def get_pad_shape(self, hw):
        k, s = (self.k, self.k) if isinstance(self.k, int) else self.k, None
        kk = self.k if isinstance(self.k, tuple) else (self.k, self.k)
        ss = self.s if isinstance(self.s, tuple) else (self.s, self.s)
        return [max((math.ceil(hw[i] / ss[i]) - 1) * ss[i] + kk[i] - hw[i], 0) for i in range(2)]
    def forward(self, x):
        ph, pw = self.get_pad_shape(x.shape[-2:])
        if ph or pw:
            x = F.pad(x, [0, pw, 0, ph])
        return x

class PatchEmbed(BaseModule):
    def __init__(self, in_channels=3, embed_dims=768, conv_type='Conv2d', kernel_size=16, stride=16, padding='corner',
                 dilation=1, bias=True, norm_cfg=None, input_size=None, init_cfg=None):
        super().__init__(init_cfg)
        self.adaptive_padding = AdaptivePadding(kernel_size, stride)
        self.projection = nn.Conv2d(in_channels, embed_dims, kernel_size, stride, 0, bias=bias)
        self.norm = None
        if input_size is not None:
            ins = input_size if isinstance(input_size, tuple) else (input_size, input_size)
            ph, pw = self.adaptive_padding.get_pad_shape(ins)
            kk = kernel_size if isinstance(kernel_size, tuple) else (kernel_size, kernel_size)
            ss = stride if isinstance(stride, tuple) else (stride, stride)
            self.init_out_size = ((ins[0] + ph - kk[0]) // ss[0] + 1, (ins[1] + pw - kk[1]) // ss[1] + 1)
        else:
            self.init_out_size = None
    def forward(self, x):
        x = self.projection(self.adaptive_padding(x))
        out_size = (x.shape[2], x.shape[3])
        return x.flatten(2).transpose(1, 2), out_size
'''

STUBS = {
    'mmcv/__init__.py': '',
    'mmcv/cnn/__init__.py': 'from .bricks import ConvModule, DropPath, build_conv_layer, build_norm_layer, build_activation_layer\n',
    'mmcv/cnn/bricks/__init__.py': BRICKS,
    'mmcv/cnn/bricks/drop.py': 'from . import build_dropout, DropPath\n',
    'mmcv/cnn/bricks/transformer.py': TRANSFORMER,
    'mmengine/__init__.py': '',
    'mmengine/utils.py': '''
def digit_version(v):
    return tuple(int(p) for p in v.split('+')[0].split('a')[0].split('.')[:3])
''',
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
    'mmengine/logging.py': '''
class MMLogger:
    @staticmethod
    def get_current_instance():
        class L:
            def info(self, *a):
                pass
        return L()
''',
    'mmpretrain/__init__.py': '',
    'mmpretrain/registry.py': '''
import torch.nn as nn

class _Registry:
    def __init__(self):
        self._m = {'GELU': nn.GELU, 'ReLU': nn.ReLU, 'LN': nn.LayerNorm, 'BN': nn.BatchNorm2d}
    def register_module(self, name=None, **kw):
        def deco(cls):
            self._m[name or cls.__name__] = cls
            return cls
        return deco
    def get(self, name):
        return self._m.get(name)

MODELS = _Registry()
''',
    'mmpretrain/models/__init__.py': '',
    'mmpretrain/models/utils/__init__.py': '''
from .helpers import to_2tuple
from .norm import build_norm_layer
from .layer_scale import LayerScale
from .attention import MultiheadAttention
from .embed import resize_pos_embed
''',
    'mmpretrain/models/backbones/__init__.py': '',
    'mmpretrain/models/backbones/base_backbone.py': '''
from mmengine.model import BaseModule

class BaseBackbone(BaseModule):
    pass
''',
}

REAL = ['models/utils/helpers.py', 'models/utils/norm.py', 'models/utils/layer_scale.py', 'models/utils/attention.py',
        'models/utils/embed.py', 'models/backbones/mlp_mixer.py', 'models/backbones/xcit.py',
        'models/backbones/t2t_vit.py']


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
    ('mlp_mixer_custom', 'MlpMixer', dict(
        arch=dict(embed_dims=16, num_layers=3, tokens_mlp_dims=12, channels_mlp_dims=24), img_size=(24, 32),
        patch_size=4, out_indices=[-3, -1], act_cfg=dict(type='ReLU')), [2, 3, 24, 32]),
    ('xcit_p16_featmap', 'XCiT', dict(
        img_size=32, patch_size=16, embed_dims=32, depth=2, cls_attn_layers=2, num_heads=4, tokens_norm=False,
        out_type='featmap', out_indices=[0, 1, 3]), [2, 3, 32, 32]),
    ('xcit_raw_nopos', 'XCiT', dict(
        img_size=32, patch_size=8, embed_dims=16, depth=2, cls_attn_layers=1, num_heads=2, mlp_ratio=2,
        qkv_bias=False, use_pos_embed=False, layer_scale_init_value=0., out_type='raw', out_indices=[1, 2]),
     [2, 3, 32, 32]),
    ('xcit_avg_dynamic', 'XCiT', dict(
        img_size=32, patch_size=8, embed_dims=24, depth=1, cls_attn_layers=1, num_heads=3, tokens_norm=True,
        out_type='avg_featmap', out_indices=[0, -1]), [2, 3, 48, 40]),
    ('t2t_nocls_featmap', 'T2T_ViT', dict(
        img_size=64, embed_dims=24, num_layers=2, out_indices=[0, -1], with_cls_token=False, out_type='featmap',
        t2t_cfg=dict(token_dims=8), layer_cfgs=dict(num_heads=3, feedforward_channels=40)), [2, 3, 96, 96]),
    ('t2t_avg_layers', 'T2T_ViT', dict(
        img_size=64, embed_dims=24, num_layers=2, final_norm=False, out_type='avg_featmap', out_indices=[1],
        t2t_cfg=dict(token_dims=8), layer_cfgs=[dict(num_heads=2, feedforward_channels=30),
                                                dict(num_heads=4, feedforward_channels=20, qkv_bias=True)]),
     [2, 3, 64, 64]),
]


def perturb(model, gen):
    with torch.no_grad():
        for name, p in model.named_parameters():
            if name.endswith('weight') and p.dim() == 1 or 'gamma' in name or 'temperature' in name:
                p.copy_(torch.rand(p.shape, generator=gen) + 0.5)
            else:
                p.copy_(torch.randn(p.shape, generator=gen) * (0.5 if p.dim() <= 1 else 1.0 / max(1, p[0].numel()) ** 0.5))
        for name, b in model.named_buffers():
            if name.endswith('running_mean'):
                b.copy_(torch.randn(b.shape, generator=gen) * 0.1)
            elif name.endswith('running_var'):
                b.copy_(torch.rand(b.shape, generator=gen) + 0.5)


def main():
    setup()
    from mmpretrain.models.backbones import mlp_mixer, t2t_vit, xcit  # noqa: E402
    classes = dict(MlpMixer=mlp_mixer.MlpMixer, XCiT=xcit.XCiT, T2T_ViT=t2t_vit.T2T_ViT)
    meta = []
    for name, typ, cfg, shape in CASES:
        gen = torch.Generator().manual_seed(0)
        c = json.loads(json.dumps(cfg))
        if 'img_size' in c and isinstance(c['img_size'], list):
            c['img_size'] = tuple(c['img_size'])
        model = classes[typ](**c)
        perturb(model, gen)
        model.eval()
        x = torch.from_numpy(np.random.default_rng(0).standard_normal(shape, dtype=np.float32))
        with torch.no_grad():
            outs = model(x)
        arrays = {'x': x.numpy(), **{f'out_{i}': o.numpy() for i, o in enumerate(outs)}}
        sd = model.state_dict()
        arrays.update({f'sd:{k}': v.detach().numpy() for k, v in sd.items()})
        meta.append(dict(name=name, cfg=dict(type=typ, **cfg), keys=list(sd.keys()), outputs=len(outs),
                         params=sum(p.numel() for p in model.parameters())))
        np.savez(os.path.join(HERE, f'{name}.npz'), **arrays)
        print(name, [tuple(o.shape) for o in outs])
    with open(os.path.join(HERE, 'cases.json'), 'w') as f:
        json.dump(dict(cases=meta), f, indent=1)


if __name__ == '__main__':
    main()
