"""Reference outputs of ViTEVA02 / RevVisionTransformer / LoRAModel variants the zoo fixtures do not cover, from
MMPretrain 1.2's own `backbones/vit_eva02.py`, `backbones/revvit.py`, `backbones/vision_transformer.py`,
`peft/lora.py` and `utils/{attention,position_encoding,swiglu_ffn,norm,embed,layer_scale,helpers}.py` (read from the
git mirror) on PyTorch, with minimal stand-ins for the mmcv / mmengine pieces they import (mmcv's `PatchEmbed` and
`FFN` with their keys and eval-mode maths; DropPath / Dropout are identities in eval). Weights and inputs are not
stored: both sides fill them with group D's `det_fill` / `det_input` (`../group_d`); for LoRAModel the wrapped module's
own state dict is filled (LoRAModel's state dict holds only the LoRA weights). `cases.json` holds configs, input
shapes and the sha256 of the `key:shape` list, `<case>.npz` the outputs (`out_<i>`, NCHW for feature maps).

Usage: /usr/bin/python3 make_fixtures.py [/path/to/mmpretrain-git-dir]
"""
import hashlib
import importlib.util
import json
import os
import subprocess
import sys
import tempfile

import numpy as np
import torch

MIRROR = sys.argv[1] if len(sys.argv) > 1 else '/work/.mirror/open-mmlab+mmpretrain/repo'
HERE = os.path.dirname(os.path.abspath(__file__))

spec = importlib.util.spec_from_file_location('group_d_fixtures', os.path.join(HERE, '..', 'group_d', 'make_fixtures.py'))
_gd = importlib.util.module_from_spec(spec)
spec.loader.exec_module(_gd)
det_fill, det_input = _gd.det_fill, _gd.det_input

STUBS = {
    'mmcv/__init__.py': '',
    'mmcv/cnn/__init__.py': '''
import torch.nn as nn
def build_conv_layer(cfg, *args, **kwargs):
    return nn.Conv2d(*args, **kwargs)
def build_norm_layer(cfg, num_features):
    cfg = dict(cfg); t = cfg.pop('type'); cfg.setdefault('eps', 1e-5)
    return t.lower(), {'LN': nn.LayerNorm}[t](num_features, **cfg)
''',
    'mmcv/cnn/bricks/__init__.py': '',
    'mmcv/cnn/bricks/drop.py': '''
import torch.nn as nn
class DropPath(nn.Module):
    def __init__(self, drop_prob=0.1):
        super().__init__()
        self.drop_prob = drop_prob
    def forward(self, x):
        return x
def build_dropout(cfg):
    cfg = dict(cfg); t = cfg.pop('type')
    return DropPath(**cfg) if t == 'DropPath' else nn.Dropout(cfg.get('drop_prob', 0.5))
''',
    'mmcv/cnn/bricks/transformer.py': '''
import torch
import torch.nn as nn
from mmcv.cnn.bricks.drop import build_dropout
class AdaptivePadding(nn.Module):
    pass
class PatchEmbed(nn.Module):
    def __init__(self, in_channels=3, embed_dims=768, conv_type='Conv2d', kernel_size=16, stride=16, padding='corner',
                 dilation=1, bias=True, norm_cfg=None, input_size=None, init_cfg=None):
        super().__init__()
        self.projection = nn.Conv2d(in_channels, embed_dims, kernel_size, stride, bias=bias)
        h, w = (input_size, input_size) if isinstance(input_size, int) else input_size
        self.init_out_size = ((h - kernel_size) // stride + 1, (w - kernel_size) // stride + 1)
    def forward(self, x):
        x = self.projection(x)
        out_size = (x.shape[2], x.shape[3])
        return x.flatten(2).transpose(1, 2), out_size
class FFN(nn.Module):
    def __init__(self, embed_dims=256, feedforward_channels=1024, num_fcs=2, act_cfg=dict(type='ReLU'), ffn_drop=0.,
                 dropout_layer=None, add_identity=True, init_cfg=None, layer_scale_init_value=0.):
        super().__init__()
        act = {'GELU': nn.GELU, 'ReLU': nn.ReLU}[act_cfg['type']]
        layers = []
        c = embed_dims
        for _ in range(num_fcs - 1):
            layers.append(nn.Sequential(nn.Linear(c, feedforward_channels), act(), nn.Dropout(ffn_drop)))
            c = feedforward_channels
        layers.append(nn.Linear(feedforward_channels, embed_dims))
        layers.append(nn.Dropout(ffn_drop))
        self.layers = nn.Sequential(*layers)
        self.dropout_layer = build_dropout(dropout_layer) if dropout_layer else nn.Identity()
        self.gamma2 = nn.Identity()
        self.add_identity = add_identity
    def forward(self, x, identity=None):
        out = self.dropout_layer(self.gamma2(self.layers(x)))
        if not self.add_identity:
            return out
        return (x if identity is None else identity) + out
''',
    'mmengine/__init__.py': '',
    'mmengine/logging.py': 'def print_log(*a, **k):\n    pass\n',
    'mmengine/model/__init__.py': '''
import torch.nn as nn
class BaseModule(nn.Module):
    def __init__(self, init_cfg=None):
        super().__init__()
        self.init_cfg = init_cfg
    def init_weights(self):
        pass
class ModuleList(BaseModule, nn.ModuleList):
    def __init__(self, modules=None, init_cfg=None):
        BaseModule.__init__(self, init_cfg)
        nn.ModuleList.__init__(self, modules)
class Sequential(BaseModule, nn.Sequential):
    def __init__(self, *args, init_cfg=None):
        BaseModule.__init__(self, init_cfg)
        nn.Sequential.__init__(self, *args)
''',
    'mmengine/model/weight_init.py': 'import torch.nn as nn\ndef trunc_normal_(t, std=1.0, **k):\n    return nn.init.trunc_normal_(t, std=std)\n',
    'mmengine/utils/__init__.py': '''
def digit_version(v):
    return tuple(int(p) for p in v.split('+')[0].split('.')[:3] if p.isdigit())
''',
    'mmpretrain/__init__.py': '',
    'mmpretrain/registry.py': '''
import torch.nn as nn
class _Registry:
    def __init__(self):
        self.table = {'LN': nn.LayerNorm}
        self.scope = 'stub'
    def register_module(self, name=None, force=False, module=None):
        if module is not None:
            self.table[name or module.__name__] = module
            return module
        def deco(cls):
            self.table[name or cls.__name__] = cls
            return cls
        return deco
    def get(self, name):
        return self.table.get(name)
    def build(self, cfg):
        cfg = dict(cfg); t = cfg.pop('type')
        return self.table[t](**cfg)
MODELS = _Registry()
''',
    'mmpretrain/models/__init__.py': '',
    'mmpretrain/models/backbones/__init__.py': '',
    'mmpretrain/models/peft/__init__.py': '',
    'mmpretrain/models/utils/__init__.py': '''
from .helpers import to_2tuple
from .layer_scale import LayerScale
from .norm import build_norm_layer
from .embed import resize_pos_embed
from .attention import MultiheadAttention
from .position_encoding import RotaryEmbeddingFast
from .swiglu_ffn import SwiGLUFFN, SwiGLUFFNFused
''',
}
SOURCES = ['backbones/base_backbone.py', 'backbones/vision_transformer.py', 'backbones/vit_eva02.py', 'backbones/revvit.py',
           'peft/lora.py', 'utils/helpers.py', 'utils/layer_scale.py', 'utils/norm.py', 'utils/embed.py',
           'utils/attention.py', 'utils/position_encoding.py', 'utils/swiglu_ffn.py']


def fill(model):
    """Fills `model` by `det_fill`; returns the number of entries and the sha256 of `key:shape` lines in order."""
    sd = model.state_dict()
    model.load_state_dict({k: torch.from_numpy(det_fill(i, k, list(v.shape))) for i, (k, v) in enumerate(sd.items())})
    lines = ''.join(f'{k}:{",".join(map(str, v.shape))}\n' for k, v in sd.items())
    return dict(count=len(sd), sha256=hashlib.sha256(lines.encode()).hexdigest())


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
    from mmpretrain.registry import MODELS
    from mmpretrain.models.backbones.vision_transformer import VisionTransformer
    from mmpretrain.models.backbones.vit_eva02 import ViTEVA02
    from mmpretrain.models.backbones.revvit import RevVisionTransformer
    from mmpretrain.models.peft.lora import LoRAModel
    MODELS.table.update(VisionTransformer=VisionTransformer)

    cases = []

    def case(name, cfg, input_shape, fill_module=None):
        cls = {'ViTEVA02': ViTEVA02, 'RevVisionTransformer': RevVisionTransformer, 'LoRAModel': LoRAModel}[cfg['type']]
        m = cls(**{k: v for k, v in cfg.items() if k != 'type'})
        keys = fill(m)
        if fill_module is not None:
            keys = dict(keys, filled=fill(fill_module(m)))
        m.eval()
        x = torch.from_numpy(det_input(input_shape))
        with torch.no_grad():
            outs = list(m(x))
        np.savez_compressed(os.path.join(HERE, f'{name}.npz'), **{f'out_{i}': o.numpy() for i, o in enumerate(outs)})
        cases.append(dict(name=name, cfg=cfg, keys=keys, input_shape=input_shape, out_shapes=[list(o.shape) for o in outs]))

    arch = dict(embed_dims=32, num_layers=3, num_heads=2, feedforward_channels=48)
    # No class token (RoPE on every token), qkv without bias, final norm, two outputs, a 3×4 grid (RoPE and
    # pos_embed recomputed / resized from 4×4).
    case('eva02_nocls_featmap', dict(type='ViTEVA02', arch=arch, img_size=28, patch_size=7, with_cls_token=False,
                                     qkv_bias=False, out_type='featmap', out_indices=[0, 2]), [2, 3, 21, 28])
    case('eva02_subln_raw', dict(type='ViTEVA02', arch=arch, img_size=28, patch_size=7, sub_ln=True, out_type='raw',
                                 final_norm=True, out_indices=[1, 2]), [1, 3, 28, 35])
    case('eva02_cls_prenorm', dict(type='ViTEVA02', arch=dict(arch, num_heads=4), img_size=28, patch_size=7, pre_norm=True,
                                   out_type='cls_token'), [2, 3, 28, 28])
    rarch = dict(embed_dims=16, num_layers=3, num_heads=2, feedforward_channels=40)
    case('revvit_cls_add', dict(type='RevVisionTransformer', arch=rarch, img_size=32, patch_size=8, with_cls_token=True,
                                out_type='cls_token', fusion_mode='add'), [2, 3, 32, 32])
    case('revvit_featmap_resize', dict(type='RevVisionTransformer', arch=rarch, img_size=32, patch_size=8,
                                       out_type='featmap', fusion_mode='max'), [1, 3, 24, 40])
    vit = dict(type='VisionTransformer', arch=dict(embed_dims=32, num_layers=2, num_heads=2, feedforward_channels=64),
               img_size=32, patch_size=8, out_type='avg_featmap')
    case('lora_vit_targets', dict(type='LoRAModel', module=vit, alpha=3, rank=2, drop_rate=0.1,
                                  targets=[dict(type='qkv'), dict(type=r'layers\.1\.ffn\.layers\.0\.0', rank=3, alpha=6),
                                           dict(type='proj')]),
         [2, 3, 32, 32], fill_module=lambda m: m.module)

    with open(os.path.join(HERE, 'cases.json'), 'w') as f:
        json.dump(dict(cases=cases), f, indent=1)


if __name__ == '__main__':
    main()
