"""Reference outputs of MViT settings the zoo fixture does not cover, from MMPretrain 1.2's own `backbones/mvit.py`
(with `utils/embed.py`, `backbones/base_backbone.py` and mmcv's `PatchEmbed`), on PyTorch, through group Q's set-up
(`../group_q/make_fixtures.py`: the real sources read from the git mirrors, minimal stand-ins for the rest of mmcv /
mmengine).

Cases: a custom arch with two heads, uneven stages and several outputs; absolute position embeddings, no relative
positions, no residual pooling, the width change in the MLP half (`dim_mul_in_attention=False`), no qkv bias, mlp
ratio 2, another kv stride, a non-square input; and the default attention settings (relative positions, residual
pooling) on an input larger than `img_size` (position embeddings resized at forward time, relative tables resized
linearly), with a 5×5 pooling kernel and a 2×2-strided patch embedding.

Weights and inputs are not stored: both sides fill them with group D's `det_fill` / `det_input` (`../group_d`).
`cases.json` holds configs, input shapes and the sha256 of the `key:shape` list; `<case>.npz` the outputs (`out_<i>`,
float64 maths).

Usage: /usr/bin/python3 make_fixtures.py [/path/to/mmpretrain-git-dir] [/path/to/mmcv-git-dir]
"""
import importlib.util
import json
import os
import sys

import numpy as np
import torch

HERE = os.path.dirname(os.path.abspath(__file__))
spec = importlib.util.spec_from_file_location('group_q_fixtures', os.path.join(HERE, '..', 'group_q', 'make_fixtures.py'))
gq = importlib.util.module_from_spec(spec)
spec.loader.exec_module(gq)

gq.STUBS['mmcv/cnn/__init__.py'] += '''
from .bricks.drop import DropPath
'''
gq.STUBS['mmcv/cnn/bricks/__init__.py'] = 'from .drop import DropPath\n'
gq.STUBS['mmpretrain/models/builder.py'] = 'from mmpretrain.registry import MODELS as BACKBONES\n'
gq.REAL.append('mmpretrain/models/backbones/mvit.py')

CASES = [
    ('mvit_abs_pos', dict(
        arch=dict(embed_dims=8, num_layers=4, num_heads=2, downscale_indices=[1, 3]), img_size=[48, 64],
        out_scales=[0, 1, 2], use_abs_pos_embed=True, rel_pos_spatial=False, residual_pooling=False,
        dim_mul_in_attention=False, qkv_bias=False, mlp_ratio=2, adaptive_kv_stride=2), [2, 3, 48, 64]),
    ('mvit_rel_pos_larger_input', dict(
        arch=dict(embed_dims=8, num_layers=3, num_heads=1, downscale_indices=[2]), img_size=32, out_scales=[0, 1],
        use_abs_pos_embed=True, pool_kernel=[5, 5], patch_cfg=dict(kernel_size=3, stride=2, padding=1)), [1, 3, 48, 40]),
]


def main():
    gq.setup()
    from mmpretrain.models.backbones.mvit import MViT
    out = []
    for name, cfg, shape in CASES:
        model = MViT(**gq.to_py(cfg))
        keys = gq.digest(model)
        gq.fill(model)
        model.eval()
        x = torch.from_numpy(gq.det_input(shape)).double()
        with torch.no_grad():
            outs = list(model.double()(x))
        np.savez(os.path.join(HERE, f'{name}.npz'), **{f'out_{i}': t.float().numpy() for i, t in enumerate(outs)})
        out.append(dict(name=name, cfg=dict(type='MViT', **cfg), input_shape=shape, keys=keys, out_shapes=[list(t.shape) for t in outs]))
        print(name, keys['count'], out[-1]['out_shapes'])
    with open(os.path.join(HERE, 'cases.json'), 'w') as f:
        json.dump(dict(cases=out), f, indent=1)


if __name__ == '__main__':
    main()
