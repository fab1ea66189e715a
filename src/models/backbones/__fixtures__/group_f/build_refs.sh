#!/usr/bin/env bash
# Rebuilds cspnet_lcg_ref.json and hornet_gf_lcg_ref.json with MMPretrain 1.2's own backbone source and PyTorch
# (Debian's python3-torch 1.13). mmcv / mmengine are replaced by minimal stand-ins: ConvModule = conv → norm → act,
# build_norm_layer for BN / LN, DropPath (identity; eval only), BaseModule / Sequential / ModuleList as torch.nn.
# Usage: [PYTHON=<python with torch>] build_refs.sh <git dir of an MMPretrain 1.2 checkout or mirror>
set -euo pipefail
R=$1
here=$(cd "$(dirname "$0")" && pwd)
E=$(mktemp -d)
cd "$E"
mkdir -p mmpretrain/models/backbones mmpretrain/models/utils mmcv/cnn/bricks mmengine/model mmengine/utils/dl_utils
for f in cspnet resnet resnext hornet base_backbone; do git -C "$R" show HEAD:mmpretrain/models/backbones/$f.py > mmpretrain/models/backbones/$f.py; done
git -C "$R" show HEAD:mmpretrain/models/utils/layer_scale.py > mmpretrain/models/utils/layer_scale.py
touch mmpretrain/__init__.py mmpretrain/models/__init__.py mmpretrain/models/backbones/__init__.py mmengine/__init__.py mmengine/utils/__init__.py mmengine/utils/dl_utils/__init__.py mmcv/__init__.py
cat > mmpretrain/registry.py <<'PY'
class _R:
    def register_module(self, *a, **k):
        return lambda c: c
MODELS = _R()
PY
cat > mmpretrain/models/utils/__init__.py <<'PY'
import collections.abc
from itertools import repeat
def to_ntuple(n):
    def parse(x):
        if isinstance(x, collections.abc.Iterable) and not isinstance(x, str):
            return x
        return tuple(repeat(x, n))
    return parse
from .layer_scale import LayerScale
PY
cat > mmengine/model/__init__.py <<'PY'
import torch.nn as nn
class BaseModule(nn.Module):
    def __init__(self, init_cfg=None):
        super().__init__()
        self.init_cfg = init_cfg
class Sequential(BaseModule, nn.Sequential):
    def __init__(self, *args, init_cfg=None):
        BaseModule.__init__(self, init_cfg)
        nn.Sequential.__init__(self, *args)
class ModuleList(BaseModule, nn.ModuleList):
    def __init__(self, modules=None, init_cfg=None):
        BaseModule.__init__(self, init_cfg)
        nn.ModuleList.__init__(self, modules)
PY
cat > mmengine/model/weight_init.py <<'PY'
import torch.nn as nn
def constant_init(m, val, bias=0):
    nn.init.constant_(m.weight, val)
    if getattr(m, 'bias', None) is not None:
        nn.init.constant_(m.bias, bias)
PY
echo 'from torch.nn.modules.batchnorm import _BatchNorm' > mmengine/utils/dl_utils/parrots_wrapper.py
cat > mmcv/cnn/__init__.py <<'PY'
import torch.nn as nn
def build_activation_layer(cfg):
    cfg = dict(cfg); t = cfg.pop('type')
    return {'ReLU': nn.ReLU, 'LeakyReLU': nn.LeakyReLU, 'GELU': nn.GELU, 'Swish': nn.SiLU}[t](**cfg)
def build_conv_layer(cfg, *args, **kwargs):
    return nn.Conv2d(*args, **kwargs)
def build_norm_layer(cfg, num_features, postfix=''):
    cfg = dict(cfg); t = cfg.pop('type'); cfg.pop('requires_grad', None)
    if t in ('BN', 'BN2d'):
        return 'bn' + str(postfix), nn.BatchNorm2d(num_features, **cfg)
    if t == 'LN':
        return 'ln' + str(postfix), nn.LayerNorm(num_features, **cfg)
    raise ValueError(t)
class ConvModule(nn.Module):
    def __init__(self, in_channels, out_channels, kernel_size, stride=1, padding=0, dilation=1, groups=1, bias='auto',
                 conv_cfg=None, norm_cfg=None, act_cfg=dict(type='ReLU'), inplace=True):
        super().__init__()
        if bias == 'auto':
            bias = norm_cfg is None
        self.conv = nn.Conv2d(in_channels, out_channels, kernel_size, stride, padding, dilation, groups, bias)
        self.norm_name = None
        if norm_cfg is not None:
            self.norm_name, n = build_norm_layer(norm_cfg, out_channels)
            self.add_module(self.norm_name, n)
        self.activate = build_activation_layer(act_cfg) if act_cfg is not None else None
    def forward(self, x):
        x = self.conv(x)
        if self.norm_name:
            x = getattr(self, self.norm_name)(x)
        return self.activate(x) if self.activate is not None else x
class DepthwiseSeparableConvModule(nn.Module):
    def __init__(self, in_channels, out_channels, kernel_size, stride=1, padding=0, dilation=1, norm_cfg=None, act_cfg=dict(type='ReLU'), **kw):
        super().__init__()
        self.depthwise_conv = ConvModule(in_channels, in_channels, kernel_size, stride, padding, dilation, groups=in_channels, norm_cfg=norm_cfg, act_cfg=act_cfg, **kw)
        self.pointwise_conv = ConvModule(in_channels, out_channels, 1, norm_cfg=norm_cfg, act_cfg=act_cfg, **kw)
    def forward(self, x):
        return self.pointwise_conv(self.depthwise_conv(x))
PY
cat > mmcv/cnn/bricks/__init__.py <<'PY'
import torch.nn as nn
class DropPath(nn.Module):
    def __init__(self, drop_prob=0.1):
        super().__init__(); self.drop_prob = drop_prob
    def forward(self, x):
        return x
PY
cd "$here"
"${PYTHON:-python3}" cspnet_lcg_ref.py "$E"
"${PYTHON:-python3}" hornet_gf_lcg_ref.py "$E"
rm -rf "$E"
