"""Reference outputs of Conformer variants the zoo fixture does not cover (patch 32 with several out_indices, no class
token with qkv_bias off and an input the stem leaves indivisible by the patch stride, depths 7 without a last fusion),
from MMPretrain 1.2's own `backbones/conformer.py` (read from a git mirror) on PyTorch, with minimal stand-ins for the
mmcv / mmengine pieces it imports. `TransformerEncoderLayer` is a stand-in with the real layer's keys and eval-mode
maths (pre-norm attention, FFN with the pre-norm identity); the real layer is covered by the zoo fixture.
Weights and inputs are not stored: both sides fill them with group D's `det_fill` / `det_input` (`../group_d`);
`cases.json` holds configs, input shapes and the sha256 of the `key:shape` list, `<case>.npz` the outputs
(`out_<i>`, computed in float64).

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

def _group_d():
    import importlib.util
    spec = importlib.util.spec_from_file_location('group_d_fixtures', os.path.join(HERE, '..', 'group_d', 'make_fixtures.py'))
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


_GROUP_D = _group_d()
det_fill, det_input = _GROUP_D.det_fill, _GROUP_D.det_input

STUBS = {
    'mmcv/__init__.py': '',
    'mmcv/cnn/__init__.py': '''
import torch.nn as nn
def build_activation_layer(cfg):
    return {'ReLU': nn.ReLU, 'GELU': nn.GELU}[cfg['type']]()
def build_norm_layer(cfg, num):
    eps = cfg.get('eps', 1e-5)
    return {'BN': ('bn', nn.BatchNorm2d(num, eps=eps)), 'LN': ('ln', nn.LayerNorm(num, eps=eps))}[cfg['type']]
''',
    'mmcv/cnn/bricks/__init__.py': '',
    'mmcv/cnn/bricks/drop.py': '''
import torch.nn as nn
class DropPath(nn.Module):
    def __init__(self, drop_prob=0.):
        super().__init__()
    def forward(self, x):
        return x
''',
    'mmcv/cnn/bricks/transformer.py': '''
import math
import torch.nn as nn
import torch.nn.functional as F
class AdaptivePadding(nn.Module):
    """mmcv's AdaptivePadding, padding='corner'."""
    def __init__(self, kernel_size=1, stride=1, dilation=1, padding='corner'):
        super().__init__()
        self.k, self.s, self.d = kernel_size, stride, dilation
    def forward(self, x):
        h, w = x.shape[-2:]
        ph = max((math.ceil(h / self.s) - 1) * self.s + (self.k - 1) * self.d + 1 - h, 0)
        pw = max((math.ceil(w / self.s) - 1) * self.s + (self.k - 1) * self.d + 1 - w, 0)
        return F.pad(x, [0, pw, 0, ph]) if ph > 0 or pw > 0 else x
''',
    'mmengine/__init__.py': '',
    'mmengine/model/__init__.py': '''
import torch.nn as nn
class BaseModule(nn.Module):
    def __init__(self, init_cfg=None):
        super().__init__()
        self.init_cfg = init_cfg
''',
    'mmengine/model/weight_init.py': 'from torch.nn.init import trunc_normal_\n',
    'mmpretrain/__init__.py': '',
    'mmpretrain/registry.py': '''
class _Registry:
    def register_module(self, *args, **kwargs):
        return lambda cls: cls
MODELS = _Registry()
''',
    'mmpretrain/models/__init__.py': '',
    'mmpretrain/models/backbones/__init__.py': '',
    'mmpretrain/models/backbones/base_backbone.py': 'from mmengine.model import BaseModule as BaseBackbone\n',
    'mmpretrain/models/backbones/vision_transformer.py': '''
import torch.nn as nn
class _Attention(nn.Module):
    def __init__(self, dims, heads, qkv_bias):
        super().__init__()
        self.heads = heads
        self.qkv = nn.Linear(dims, dims * 3, bias=qkv_bias)
        self.proj = nn.Linear(dims, dims)
    def forward(self, x):
        B, N, C = x.shape
        q, k, v = self.qkv(x).reshape(B, N, 3, self.heads, C // self.heads).permute(2, 0, 3, 1, 4)
        attn = (q @ k.transpose(-2, -1) * (C // self.heads) ** -0.5).softmax(-1)
        return self.proj((attn @ v).transpose(1, 2).reshape(B, N, C))
class _FFN(nn.Module):
    def __init__(self, dims, hidden):
        super().__init__()
        self.layers = nn.Sequential(nn.Sequential(nn.Linear(dims, hidden), nn.GELU(), nn.Dropout(0.)), nn.Linear(hidden, dims), nn.Dropout(0.))
class TransformerEncoderLayer(nn.Module):
    def __init__(self, embed_dims, num_heads, feedforward_channels, drop_rate=0., attn_drop_rate=0.,
                 drop_path_rate=0., qkv_bias=True, norm_cfg=dict(type='LN')):
        super().__init__()
        eps = norm_cfg.get('eps', 1e-5)
        self.ln1 = nn.LayerNorm(embed_dims, eps=eps)
        self.attn = _Attention(embed_dims, num_heads, qkv_bias)
        self.ln2 = nn.LayerNorm(embed_dims, eps=eps)
        self.ffn = _FFN(embed_dims, feedforward_channels)
    def forward(self, x):
        x = x + self.attn(self.ln1(x))
        return x + self.ffn.layers(self.ln2(x))
''',
}

CASES = [
    ('conformer_p32_multi', dict(arch=dict(embed_dims=32, depths=9, num_heads=4, channel_ratio=2), base_channels=8,
                                 patch_size=32, out_indices=[4, -1, 7]), [2, 3, 96, 96]),
    ('conformer_nocls_odd', dict(arch=dict(embed_dims=24, depths=6, num_heads=3, channel_ratio=1), base_channels=16,
                                 with_cls_token=False, qkv_bias=False, mlp_ratio=2.5), [2, 3, 70, 54]),
    ('conformer_depth7', dict(arch=dict(embed_dims=16, depths=7, num_heads=2, channel_ratio=1), base_channels=8,
                              out_indices=[2, 6]), [1, 3, 64, 64]),
]


def main():
    tmp = tempfile.mkdtemp()
    for path, text in STUBS.items():
        os.makedirs(os.path.dirname(os.path.join(tmp, path)), exist_ok=True)
        with open(os.path.join(tmp, path), 'w') as f:
            f.write(text)
    src = subprocess.run(['git', '-C', MIRROR, 'show', 'HEAD:mmpretrain/models/backbones/conformer.py'],
                         check=True, capture_output=True, text=True).stdout
    with open(os.path.join(tmp, 'mmpretrain/models/backbones/conformer.py'), 'w') as f:
        f.write(src)
    sys.path.insert(0, tmp)
    from mmpretrain.models.backbones.conformer import Conformer

    out = []
    for name, cfg, shape in CASES:
        model = Conformer(**json.loads(json.dumps(cfg))).eval()
        sd = model.state_dict()
        lines = ''.join(f'{k}:{",".join(map(str, v.shape))}\n' for k, v in sd.items())
        model.load_state_dict({k: torch.from_numpy(det_fill(i, k, list(v.shape))) for i, (k, v) in enumerate(sd.items())})
        x = torch.from_numpy(det_input(shape)).double()
        with torch.no_grad():
            outs = [t for pair in model.double()(x) for t in pair]
        np.savez(os.path.join(HERE, f'{name}.npz'), **{f'out_{i}': t.float().numpy() for i, t in enumerate(outs)})
        out.append(dict(name=name, cfg=dict(type='Conformer', **cfg), input_shape=shape,
                        keys=dict(count=len(sd), sha256=hashlib.sha256(lines.encode()).hexdigest()),
                        out_shapes=[list(t.shape) for t in outs]))
        print(name, out[-1]['keys']['count'], out[-1]['out_shapes'])
    with open(os.path.join(HERE, 'cases.json'), 'w') as f:
        json.dump(dict(cases=out), f, indent=1)


if __name__ == '__main__':
    main()
