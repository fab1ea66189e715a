"""Reference outputs of Twins (PCPVT / SVT) and DaViT variants the zoo fixtures do not cover, from MMPretrain 1.2's own
`backbones/twins.py`, `backbones/davit.py`, `utils/attention.py`, `utils/position_encoding.py` (read from the git
mirror) with mmcv's `AdaptivePadding`, `PatchEmbed` and `FFN` and group I's stand-ins for the rest of mmcv / mmengine
(`../group_i/make_fixtures.py`), plus `Conv2d` and the weight-init helpers that these two files import.

Cases cover: several layers per stage (the position encoding after the first; SVT's LSA / GSA alternation),
maps that need corner padding in the patch embeddings and floor in the sub-sampling conv, LSA windows padded on the
right only (MMPretrain's mask is then uniform), at the bottom only, and on both sides (masked), per-stage norms,
`qkv_bias`, `norm_cfg`; DaViT with 'same' patch padding, windows padded to fit, `pad_small_map`, several outputs,
`out_after_downsample`, `qk_scale`, `ffn_ratio`, a numerically padded downsample on odd maps, a patch size of 2.

Weights and inputs are group D's `det_fill` / `det_input`. `cases.json` holds configs, input shapes and the sha256 of
the `key:shape` list; `<case>.npz` the outputs (`out_<i>`, float64 maths).

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
MIRROR, MMCV = _gi.MIRROR, _gi.MMCV
det_fill, det_input, digest, git_show, cut_classes = _gi.det_fill, _gi.det_input, _gi.digest, _gi.git_show, _gi.cut_classes

STUBS = dict(_gi.STUBS)
STUBS['mmcv/cnn/__init__.py'] = '''
import torch.nn as nn
Linear = nn.Linear
Conv2d = nn.Conv2d
def build_activation_layer(cfg):
    return {'ReLU': nn.ReLU, 'GELU': nn.GELU}[cfg['type']]()
def build_conv_layer(cfg, *args, **kwargs):
    assert cfg is None or cfg.get('type', 'Conv2d') == 'Conv2d'
    return nn.Conv2d(*args, **kwargs)
def build_norm_layer(cfg, num, postfix=''):
    assert cfg['type'] == 'LN'
    return 'ln' + str(postfix), nn.LayerNorm(num, eps=cfg.get('eps', 1e-5))
'''
STUBS['mmcv/cnn/bricks/__init__.py'] = 'import torch.nn as nn\nConv2d = nn.Conv2d\n'
STUBS['mmengine/model/weight_init.py'] = '''
from torch.nn.init import trunc_normal_
def constant_init(*a, **k):
    pass
normal_init = trunc_normal_init = constant_init
'''
STUBS['mmpretrain/models/utils/__init__.py'] = '''
from .helpers import to_2tuple
from .attention import MultiheadAttention, ShiftWindowMSA
from .position_encoding import ConditionalPositionEncoding
'''

REAL = ['mmpretrain/models/utils/attention.py', 'mmpretrain/models/utils/helpers.py', 'mmpretrain/models/utils/layer_scale.py',
        'mmpretrain/models/utils/position_encoding.py', 'mmpretrain/models/backbones/base_backbone.py',
        'mmpretrain/models/backbones/twins.py', 'mmpretrain/models/backbones/davit.py']

TW = dict(embed_dims=[8, 16, 24, 32], num_heads=[1, 2, 2, 4], patch_sizes=[4, 2, 2, 2], strides=[4, 2, 2, 2],
          mlp_ratios=[2, 2, 3, 2])
CASES = [
    ('pcpvt_multi', 'PCPVT', dict(arch=dict(TW, depths=[2, 1, 3, 2], sr_ratios=[4, 2, 2, 1]), out_indices=[0, 1, 2, 3],
                                  norm_after_stage=[True, False, True, True], norm_cfg=dict(type='LN', eps=1e-6)),
     [1, 3, 50, 38]),
    ('pcpvt_bias', 'PCPVT', dict(arch=dict(TW, depths=[1, 2, 1, 1], sr_ratios=[8, 4, 2, 1]), qkv_bias=True,
                                 out_indices=[1, 3], norm_after_stage=True), [2, 3, 64, 64]),
    # stage maps 12x10, 6x5, 3x3, 2x2: LSA windows 3 (right pad only), 2 (bottom only), 2 (both), 4 (both)
    ('svt_multi', 'SVT', dict(arch=dict(TW, depths=[2, 3, 2, 1], sr_ratios=[4, 2, 2, 1], window_sizes=[3, 5, 2, 4]),
                              out_indices=[0, 1, 2, 3], norm_after_stage=[False, True, False, True]), [1, 3, 48, 40]),
    ('svt_bias', 'SVT', dict(arch=dict(TW, depths=[1, 2, 3, 1], sr_ratios=[4, 2, 1, 1], window_sizes=[4, 2, 2, 7]),
                             qkv_bias=True, out_indices=[3], norm_after_stage=True), [1, 3, 56, 60]),
    ('davit_pad', 'DaViT', dict(arch=dict(embed_dims=16, depths=[2, 1, 2, 1], num_heads=[1, 2, 2, 4]), window_size=3,
                                pad_small_map=True, ffn_ratio=2., qkv_bias=False, out_indices=[0, 1, 2, 3]), [1, 3, 64, 48]),
    ('davit_after_ds', 'DaViT', dict(arch=dict(embed_dims=8, depths=[1, 2, 1], num_heads=[2, 2, 4]), patch_size=2,
                                     window_size=2, out_after_downsample=True, out_indices=[2],
                                     norm_cfg=dict(type='LN', eps=1e-6),
                                     stage_cfgs=dict(downsample_cfg=dict(padding=0),
                                                     block_cfgs=dict(ffn_ratio=3., attn_cfgs=dict(qk_scale=0.3)))),
     [2, 3, 30, 26]),
]


def fill(model):
    sd = model.state_dict()
    model.load_state_dict({k: torch.from_numpy(det_fill(i, k, list(v.shape))) for i, (k, v) in enumerate(sd.items())})


def setup():
    tmp = tempfile.mkdtemp()
    mmcv_src = git_show(MMCV, 'mmcv/cnn/bricks/transformer.py')
    files = dict(STUBS)
    files['mmcv/cnn/bricks/transformer.py'] = _gi.MMCV_HEADER + '\n\n' + cut_classes(mmcv_src, ['AdaptivePadding', 'PatchEmbed', 'FFN'])
    for p in REAL:
        files[p] = git_show(MIRROR, p)
    for path, text in files.items():
        os.makedirs(os.path.dirname(os.path.join(tmp, path)), exist_ok=True)
        with open(os.path.join(tmp, path), 'w') as f:
            f.write(text)
    sys.path.insert(0, tmp)
    from mmpretrain.models.backbones.davit import DaViT
    from mmpretrain.models.backbones.twins import PCPVT, SVT
    return dict(PCPVT=PCPVT, SVT=SVT, DaViT=DaViT)


def main():
    classes = setup()
    out = []
    for name, typ, cfg, shape in CASES:
        model = classes[typ](**json.loads(json.dumps(cfg)))
        keys = digest(model)
        fill(model)
        model.eval()
        x = torch.from_numpy(det_input(shape)).double()
        with torch.no_grad():
            outs = list(model.double()(x))
        np.savez(os.path.join(HERE, f'{name}.npz'), **{f'out_{i}': t.float().numpy() for i, t in enumerate(outs)})
        out.append(dict(name=name, cfg=dict(type=typ, **cfg), input_shape=shape, keys=keys, out_shapes=[list(t.shape) for t in outs]))
        print(name, keys['count'], out[-1]['out_shapes'])
    with open(os.path.join(HERE, 'cases.json'), 'w') as f:
        json.dump(dict(cases=out), f, indent=1)


if __name__ == '__main__':
    main()
