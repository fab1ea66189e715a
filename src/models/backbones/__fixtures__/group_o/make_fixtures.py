"""Reference outputs of Vision GNN (`Grapher` / `FFN` of every graph convolution, relative position resized at run
time, Vig and PyramidVig 'tiny') and HiViT variants, from MMPretrain 1.2's own `backbones/vig.py`,
`backbones/hivit.py` and `backbones/base_backbone.py` (read from the git mirror) with group I's stand-ins for mmcv /
mmengine (`../group_i/make_fixtures.py`) plus a BatchNorm/LayerNorm `build_norm_layer` and an eval-only DropPath.

Weights are group D's `det_fill` (`../group_d`), except the Grapher's `relative_pos`, which keeps its constructed
value (so the TypeScript construction is checked too). Inputs are `hash_input` (a scrambled sequence: the smooth
`det_input` makes k-NN distances tie). Maths in float64. `cases.json` holds configs, input shapes, the sha256 of the
`key:shape` list; `<case>.npz` the outputs (`out_<i>`, NCHW) and, for Graphers, the constructed `relative_pos`.

Usage: /usr/bin/python3 make_fixtures.py [/path/to/mmpretrain-git-dir] [/path/to/mmcv-git-dir]
"""
import importlib.util
import json
import os
import sys
import tempfile

import numpy as np
import torch

HERE = os.path.dirname(os.path.abspath(__file__))
spec = importlib.util.spec_from_file_location('group_i_fixtures', os.path.join(HERE, '..', 'group_i', 'make_fixtures.py'))
_gi = importlib.util.module_from_spec(spec)
spec.loader.exec_module(_gi)
MIRROR = _gi.MIRROR
det_fill, digest, git_show = _gi.det_fill, _gi.digest, _gi.git_show

STUBS = dict(_gi.STUBS)
STUBS['mmcv/cnn/bricks/__init__.py'] = '''
import torch.nn as nn
class DropPath(nn.Module):
    def __init__(self, drop_prob=0.):
        super().__init__()
    def forward(self, x):
        assert not self.training
        return x
'''
STUBS['mmpretrain/models/utils/__init__.py'] = '''
import torch.nn as nn
def build_norm_layer(cfg, num):
    if cfg['type'] in ('BN', 'BN2d'):
        return nn.BatchNorm2d(num, eps=cfg.get('eps', 1e-5))
    assert cfg['type'] == 'LN'
    return nn.LayerNorm(num, eps=cfg.get('eps', 1e-5))
def to_2tuple(x):
    return tuple(x) if isinstance(x, (list, tuple)) else (x, x)
'''
REAL = ['mmpretrain/models/backbones/base_backbone.py', 'mmpretrain/models/backbones/vig.py',
        'mmpretrain/models/backbones/hivit.py']

G = dict(act_cfg=dict(type='GELU'), norm_cfg=dict(type='BN'))
CASES = [
    # name, type, cfg, input shape
    ('grapher_mr_dilated', 'Grapher', dict(in_channels=16, k=3, dilation=2, graph_conv_type='mr', **G), [2, 16, 8, 8]),
    ('grapher_edge_r2_relpos', 'Grapher', dict(in_channels=16, k=4, graph_conv_type='edge', r=2, n=64, relative_pos=True, **G),
     [2, 16, 8, 8]),
    ('grapher_sage_relpos', 'Grapher', dict(in_channels=16, k=3, dilation=3, graph_conv_type='sage', n=64, relative_pos=True, **G),
     [1, 16, 8, 8]),
    ('grapher_gin_nobias_resized', 'Grapher', dict(in_channels=16, k=4, graph_conv_type='gin', graph_conv_bias=False, r=2, n=64,
                                                   relative_pos=True, **G), [1, 16, 12, 12]),
    ('grapher_mr_relu_nonorm', 'Grapher', dict(in_channels=8, k=5, dilation=2, graph_conv_type='mr', act_cfg=dict(type='ReLU'),
                                               norm_cfg=None), [2, 8, 6, 6]),
    ('vig_ffn', 'FFN', dict(in_features=16, hidden_features=64), [2, 16, 5, 5]),
    ('vig_tiny', 'Vig', dict(arch='tiny', out_indices=[-1]), [1, 3, 224, 224]),
    ('pvig_tiny', 'PyramidVig', dict(arch='tiny', out_indices=[3]), [1, 3, 224, 224]),
    ('hivit_rpe_ls', 'HiViT', dict(arch=dict(embed_dims=64, depths=[1, 1, 7], num_heads=4), img_size=64, rpe=True,
                                   layer_scale_init_value=0.1, out_indices=[0]), [2, 3, 64, 64]),
    # MMPretrain 1.2 overwrites the last out index with depths[-1] - 1 and fails when it also names an early block
    ('hivit_plain', 'HiViT', dict(arch=dict(embed_dims=32, depths=[2, 1, 9], num_heads=2), img_size=48, ape=False,
                                  patch_norm=False, stem_mlp_ratio=2., mlp_ratio=3., qkv_bias=False, qk_scale=0.25,
                                  out_indices=[0]), [1, 3, 48, 48]),
]


def hash_input(shape):
    """2·frac(sin(12.9898·j + 78.233)·43758.5453) − 1 (also in load.ts)."""
    n = int(np.prod(shape))
    j = np.arange(n, dtype=np.float64)
    v = np.sin(12.9898 * j + 78.233) * 43758.5453
    return (2 * (v - np.floor(v)) - 1).reshape(shape).astype(np.float32)


def fill(model):
    sd = model.state_dict()
    new = {k: (v.clone() if k.endswith('relative_pos') or 'relative_position_index' in k
               else torch.from_numpy(det_fill(i, k, list(v.shape)))) for i, (k, v) in enumerate(sd.items())}
    model.load_state_dict(new)


def setup():
    tmp = tempfile.mkdtemp()
    files = dict(STUBS)
    for p in REAL:
        files[p] = git_show(MIRROR, p)
    for path, text in files.items():
        os.makedirs(os.path.dirname(os.path.join(tmp, path)), exist_ok=True)
        with open(os.path.join(tmp, path), 'w') as f:
            f.write(text)
    sys.path.insert(0, tmp)
    from mmpretrain.models.backbones import vig, hivit
    return dict(Grapher=vig.Grapher, FFN=vig.FFN, Vig=vig.Vig, PyramidVig=vig.PyramidVig, HiViT=hivit.HiViT)


def main():
    classes = setup()
    out = []
    for name, typ, cfg, shape in CASES:
        torch.manual_seed(0)
        model = classes[typ](**json.loads(json.dumps(cfg)))
        keys = digest(model)
        fill(model)
        model.eval()
        x = torch.from_numpy(hash_input(shape)).double()
        with torch.no_grad():
            y = model.double()(x)
        outs = list(y) if isinstance(y, tuple) else [y]
        arrays = {f'out_{i}': t.float().numpy() for i, t in enumerate(outs)}
        if typ == 'Grapher' and model.relative_pos is not None:
            arrays['relative_pos'] = model.relative_pos.detach().float().numpy()
        np.savez_compressed(os.path.join(HERE, f'{name}.npz'), **arrays)
        out.append(dict(name=name, cfg=dict(type=typ, **cfg), input_shape=shape, keys=keys,
                        out_shapes=[list(t.shape) for t in outs]))
        print(name, keys['count'], out[-1]['out_shapes'])
    with open(os.path.join(HERE, 'cases.json'), 'w') as f:
        json.dump(dict(cases=out), f, indent=1)


if __name__ == '__main__':
    main()
