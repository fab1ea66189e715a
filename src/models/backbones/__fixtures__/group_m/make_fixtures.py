"""LeViT (+ LeViTClsHead) and TinyViT of MMPretrain 1.2 (their real source files, read from the git mirror, with
minimal mmcv / mmengine stand-ins) on PyTorch, with weights from the 32-bit LCG of `testing/lcg_weights.ts` (walked
over the state dict in order; `attention_bias_idxs` draws its share but keeps its indices). Writes `cases.json`:
per case the config, the LCG seeds and summaries of every output (NCHW), in train form and, for LeViT, after
`switch_to_deploy()`. LeViT's running variances are then ×4 (its residual stream has no LayerNorm). Run with /usr/bin/python3 (Debian's python3-torch)."""
import copy, itertools, json, math, subprocess, sys, types
from pathlib import Path
import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

MIRROR = '/work/.mirror/open-mmlab+mmpretrain/repo'
show = lambda p: subprocess.run(['git', '-C', MIRROR, 'show', f'HEAD:{p}'], check=True, capture_output=True, text=True).stdout


class BaseModule(nn.Module):
    def __init__(self, init_cfg=None):
        super().__init__()


class Sequential(BaseModule, nn.Sequential):
    def __init__(self, *args, init_cfg=None):
        BaseModule.__init__(self, init_cfg)
        nn.Sequential.__init__(self, *args)


class ModuleList(BaseModule, nn.ModuleList):
    def __init__(self, modules=None, init_cfg=None):
        BaseModule.__init__(self, init_cfg)
        nn.ModuleList.__init__(self, modules)


class HSwish(nn.Module):
    def forward(self, x):
        return x * F.relu6(x + 3) / 6


def build_activation_layer(cfg):
    return {'HSwish': HSwish, 'GELU': nn.GELU, 'ReLU': nn.ReLU}[cfg['type']]()


def _norm(cfg, n):
    cfg = dict(cfg)
    t = cfg.pop('type')
    cfg.setdefault('eps', 1e-5)
    return {'BN': nn.BatchNorm2d, 'BN1d': nn.BatchNorm1d, 'LN': nn.LayerNorm}[t](n, **cfg)


def fuse_conv_bn(module):  # mmcv.cnn.fuse_conv_bn
    last_conv, last_name = None, None
    for name, child in module.named_children():
        if isinstance(child, nn.modules.batchnorm._BatchNorm):
            if last_conv is None:
                continue
            w = last_conv.weight
            b = last_conv.bias if last_conv.bias is not None else torch.zeros_like(child.running_mean)
            factor = child.weight / torch.sqrt(child.running_var + child.eps)
            last_conv.weight = nn.Parameter(w * factor.reshape([last_conv.out_channels, 1, 1, 1]))
            last_conv.bias = nn.Parameter((b - child.running_mean) * factor + child.bias)
            module._modules[last_name] = last_conv
            module._modules[name] = nn.Identity()
            last_conv = None
        elif isinstance(child, nn.Conv2d):
            last_conv, last_name = child, name
        else:
            fuse_conv_bn(child)
    return module


class DropPath(nn.Module):
    def __init__(self, p=0.):
        super().__init__()

    def forward(self, x):
        return x


class BaseBackbone(BaseModule):
    pass


class _Reg:
    def register_module(self, *a, **k):
        return lambda c: c


ns = dict(torch=torch, nn=nn, F=F, itertools=itertools, BaseModule=BaseModule, Sequential=Sequential, ModuleList=ModuleList,
          build_activation_layer=build_activation_layer, fuse_conv_bn=fuse_conv_bn, DropPath=DropPath, BaseBackbone=BaseBackbone,
          MODELS=_Reg(), checkpoint=None, Sequence=__import__('typing').Sequence, Tuple=__import__('typing').Tuple)


def load(path, extra):
    src = show(path)
    src = '\n'.join(l for l in src.split('\n') if not l.startswith(('from ', 'import ')))
    g = dict(ns, **extra)
    exec(compile(src, path, 'exec'), g)
    return g


att = show('mmpretrain/models/utils/attention.py')
le_src = att[att.index('class LeAttention'):att.index('class CrossMultiheadAttention')]
g_att = dict(ns)
exec(le_src, g_att)
levit = load('mmpretrain/models/backbones/levit.py', dict(build_norm_layer=_norm))
head_g = load('mmpretrain/models/heads/levit_head.py', dict(build_norm_layer=_norm, ClsHead=BaseModule))
tinyvit = load('mmpretrain/models/backbones/tinyvit.py', dict(build_norm_layer=lambda c, n: ('norm', _norm(c, n)), LeAttention=g_att['LeAttention']))


class LCG:
    def __init__(self, seed): self.s = seed
    def take(self, n):
        out = np.empty(n, dtype=np.float64)
        s = self.s
        for i in range(n):
            s = (s * 1664525 + 1013904223) % 4294967296
            out[i] = s / 2147483648 - 1
        self.s = s
        return out


def fill(model, seed, var_scale=1.0):
    g = LCG(seed)
    for k, v in model.state_dict().items():
        if k.endswith('num_batches_tracked'):
            continue
        u = g.take(v.numel())
        if k.endswith('attention_bias_idxs'):
            continue
        if v.dim() >= 2:
            val = u * math.sqrt(6 / int(np.prod(v.shape[1:])))
        elif k.endswith('running_var'):
            val = (1 + 0.25 * u).astype(np.float32) * np.float32(var_scale)
        elif k.endswith('weight'):
            val = 1 + 0.25 * u
        else:
            val = 0.1 * u
        v.copy_(torch.from_numpy(val.astype(np.float32)).reshape(v.shape))


def summary(t):
    a = t.detach().numpy().astype(np.float64).ravel()
    idx = np.linspace(0, a.size - 1, 64).round().astype(int)
    return {'shape': list(t.shape), 'sum': float(a.sum()), 'abs_sum': float(np.abs(a).sum()), 'samples': [float(a[i]) for i in idx], 'sample_index': idx.tolist()}


class LeViTModel(nn.Module):
    """backbone → GlobalAveragePooling → LeViTClsHead (as the ImageClassifier of the zoo config)."""
    def __init__(self, bb, head):
        super().__init__()
        self.backbone = bb
        self.head = head

    def forward(self, x):
        outs = self.backbone(x)
        pooled = outs[-1].mean((2, 3))
        h = self.head
        if h.distillation:
            logits = (h.head(pooled) + h.head_dist(pooled)) / 2
        else:
            logits = h.head(pooled)
        return list(outs) + [logits]


cases = []
torch.set_grad_enabled(False)
levit_cases = [
    ('levit_128s_224', dict(arch='128s', img_size=224, out_indices=[0, 1, 2]), dict(num_classes=10, in_channels=384, distillation=True), 224),
    ('levit_128_112_r3', dict(arch='128', img_size=112, attn_ratio=3, mlp_ratio=3, out_indices=[0, 1, 2]), dict(num_classes=7, in_channels=384, distillation=False), 112),
    ('levit_192_noml', dict(arch='192', img_size=96, mlp_ratio=0, out_indices=[-1]), dict(num_classes=5, in_channels=384, distillation=True), 96),
]
for name, bcfg, hcfg, size in levit_cases:
    bb = levit['LeViT'](**bcfg)
    head = head_g['LeViTClsHead'](**hcfg)
    m = LeViTModel(bb, head)
    fill(m, 11, 4.0)  # running variances ×4: keeps LeViT's un-normalised residual stream small
    m.eval()
    x = torch.from_numpy(LCG(5).take(3 * size * size).astype(np.float32)).reshape(1, 3, size, size)
    outs = m(x)
    tm = copy.deepcopy(m).train()  # batch statistics in every backbone BatchNorm (over all tokens of LinearBatchNorm)
    tm.head.eval()  # (one sample: BatchNorm1d on (1, C) cannot train)
    touts = tm(x)
    bb.switch_to_deploy()
    head_g['fuse_parameters'](head)
    m.eval()
    douts = m(x)
    cases.append({'name': name, 'family': 'LeViT', 'backbone': dict(type='LeViT', **bcfg), 'head': dict(type='LeViTClsHead', **hcfg), 'size': size,
                  'weight_seed': 11, 'var_scale': 4.0, 'input_seed': 5, 'outputs': [summary(o) for o in outs], 'train_outputs': [summary(o) for o in touts], 'deploy_outputs': [summary(o) for o in douts],
                  'deploy_keys': [[k, list(v.shape)] for k, v in m.state_dict().items()]})
    print(name, [o.shape for o in outs], max(float(o.abs().max()) for o in outs), 'deploy diff', max(float((a - b).abs().max()) for a, b in zip(outs, douts)))

tiny_cases = [
    ('tinyvit_5m_160_pad', dict(arch='5m', img_size=(160, 160), out_indices=[0, 1, 2, 3], gap_before_final_norm=False, drop_path_rate=0.0), 160),
    ('tinyvit_custom_gap', dict(arch=dict(channels=[16, 32, 48, 64], num_heads=[1, 2, 3, 4], depths=[2, 1, 2, 1]), img_size=(96, 96), window_size=[3, 5, 4, 2], mlp_ratio=3.0, mbconv_expand_ratio=2.0, local_conv_size=5, out_indices=[1, -1], act_cfg=dict(type='HSwish'), drop_path_rate=0.0), 96),
]
for name, bcfg, size in tiny_cases:
    bb = tinyvit['TinyViT'](**bcfg)
    fill(bb, 13)
    bb.eval()
    x = torch.from_numpy(LCG(5).take(3 * size * size).astype(np.float32)).reshape(1, 3, size, size)
    outs = bb(x)
    jb = {k: (list(v) if isinstance(v, tuple) else v) for k, v in bcfg.items()}
    cases.append({'name': name, 'family': 'TinyViT', 'backbone': dict(type='TinyViT', **jb), 'size': size, 'weight_seed': 13, 'input_seed': 5,
                  'outputs': [summary(o) for o in outs], 'num_params': sum(p.numel() for p in bb.parameters())})
    print(name, [o.shape for o in outs], max(float(o.abs().max()) for o in outs))

Path(__file__).with_name('cases.json').write_text(json.dumps({'cases': cases}))
