/**
 * The bench-zoo networks in plain PyTorch (torch + torchvision only), timed as the tfjs rows: torchvision's own models
 * where it has them (ConvNeXt-T, EfficientNet-B0, RegNetX-1.6GF, DenseNet-121, Swin-T, ViT-B/16; DeiT-S as its
 * VisionTransformer at DeiT-S's widths), the others written out here as MMPretrain builds them, with the same layers
 * and widths and so the same FLOPs: RepVGG-A0 / MobileOne-S0 deploy forms, HRNet-W18 with its HRFuseScales head,
 * LeViT-128S in deploy form (BatchNorms folded into the convs and linears, attention biases gathered once, as its
 * `switch_to_deploy` and eval mode leave it), TinyViT-5M, MLP-Mixer-B/16.
 *
 * The script's argv: model keys (comma-separated), batch sizes, minimum seconds; it prints one JSON row a line.
 */
import { TORCH_TIME_FORWARD } from './commands/bench-models';

export const TORCH_SCRIPT = String.raw`
import json, os, sys, time, torch, torch.nn as nn, torchvision
THREADS = int(os.environ.get('MMPRETRAIN_WEB_TORCH_THREADS', '2'))
torch.set_num_threads(THREADS)
def cbr(i, o, k, s, g=1, act=True):
    layers = [nn.Conv2d(i, o, k, s, k // 2, groups=g, bias=False), nn.BatchNorm2d(o)]
    return nn.Sequential(*layers, nn.ReLU(inplace=True)) if act else nn.Sequential(*layers)
def plain(widths, blocks, dw):
    # RepVGG / MobileOne after re-parameterisation: 3x3 convs (+1x1 for MobileOne's depthwise-separable blocks), biased, ReLU.
    layers, i = [nn.Conv2d(3, widths[0], 3, 2, 1), nn.ReLU()], widths[0]
    for o, n in zip(widths[1:], blocks):
        for b in range(n):
            s = 2 if b == 0 else 1
            if dw: layers += [nn.Conv2d(i, i, 3, s, 1, groups=i), nn.ReLU(), nn.Conv2d(i, o, 1), nn.ReLU()]
            else: layers += [nn.Conv2d(i, o, 3, s, 1), nn.ReLU()]
            i = o
    return nn.Sequential(*layers, nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(i, 1000))
class Basic(nn.Module):
    def __init__(s, c):
        super().__init__(); s.a = cbr(c, c, 3, 1); s.b = cbr(c, c, 3, 1, act=False)
    def forward(s, x): return torch.relu(s.b(s.a(x)) + x)
class Bottle(nn.Module):
    def __init__(s, i, m, stride=1):
        super().__init__(); o = m * 4
        s.f = nn.Sequential(cbr(i, m, 1, 1), cbr(m, m, 3, stride), cbr(m, o, 1, 1, act=False))
        s.d = cbr(i, o, 1, stride, act=False) if (i != o or stride != 1) else None
    def forward(s, x): return torch.relu(s.f(x) + (s.d(x) if s.d is not None else x))
class HRModule(nn.Module):
    def __init__(s, ch, out_n):
        super().__init__(); n = len(ch)
        s.branches = nn.ModuleList(nn.Sequential(*[Basic(c) for _ in range(4)]) for c in ch)
        s.fuse = nn.ModuleList()
        for i in range(out_n):
            row = nn.ModuleList()
            for j in range(n):
                if j > i: row.append(nn.Sequential(cbr(ch[j], ch[i], 1, 1, act=False), nn.Upsample(scale_factor=2 ** (j - i), mode='nearest')))
                elif j == i: row.append(nn.Identity())
                else: row.append(nn.Sequential(*[cbr(ch[j] if k == 0 else ch[j], ch[i] if k == i - j - 1 else ch[j], 3, 2, act=k < i - j - 1) for k in range(i - j)]))
            s.fuse.append(row)
    def forward(s, xs):
        xs = [b(x) for b, x in zip(s.branches, xs)]
        return [torch.relu(sum(f(x) for f, x in zip(row, xs))) for row in s.fuse]
class HRNetW18(nn.Module):
    def __init__(s):
        super().__init__(); ch = [18, 36, 72, 144]
        s.stem = nn.Sequential(cbr(3, 64, 3, 2), cbr(64, 64, 3, 2))
        s.layer1 = nn.Sequential(Bottle(64, 64), *[Bottle(256, 64) for _ in range(3)])
        s.t1 = nn.ModuleList([cbr(256, 18, 3, 1), cbr(256, 36, 3, 2)])
        s.s2 = nn.ModuleList([HRModule(ch[:2], 2)])
        s.t2 = cbr(36, 72, 3, 2)
        s.s3 = nn.ModuleList([HRModule(ch[:3], 3) for _ in range(4)])
        s.t3 = cbr(72, 144, 3, 2)
        s.s4 = nn.ModuleList([HRModule(ch, 4) for _ in range(3)])
        s.inc = nn.ModuleList(Bottle(c, m) for c, m in zip(ch, [32, 64, 128, 256]))
        s.down = nn.ModuleList(cbr(i, o, 3, 2) for i, o in [(128, 256), (256, 512), (512, 1024)])
        s.final = cbr(1024, 2048, 1, 1)
        s.fc = nn.Linear(2048, 1000)
    def forward(s, x):
        x = s.layer1(s.stem(x)); xs = [t(x) for t in s.t1]
        for m in s.s2: xs = m(xs)
        xs = xs + [s.t2(xs[-1])]
        for m in s.s3: xs = m(xs)
        xs = xs + [s.t3(xs[-1])]
        for m in s.s4: xs = m(xs)
        f = s.inc[0](xs[0])
        for i, d in enumerate(s.down): f = d(f) + s.inc[i + 1](xs[i + 1])
        return s.fc(torch.flatten(nn.functional.adaptive_avg_pool2d(s.final(f), 1), 1))
specs = {
    'convnext_t': ('ConvNeXt-T', lambda: torchvision.models.convnext_tiny()),
    'efficientnet_b0': ('EfficientNet-B0', lambda: torchvision.models.efficientnet_b0()),
    'regnetx_1_6gf': ('RegNetX-1.6GF', lambda: torchvision.models.regnet_x_1_6gf()),
    'repvgg_a0_deploy': ('RepVGG-A0 (deploy)', lambda: plain([48, 48, 96, 192, 1280], [2, 4, 14, 1], False)),
    'mobileone_s0_deploy': ('MobileOne-S0 (deploy)', lambda: plain([48, 48, 128, 256, 1024], [2, 8, 10, 1], True)),
    'hrnet_w18': ('HRNet-W18', HRNetW18),
    'densenet121': ('DenseNet-121', lambda: torchvision.models.densenet121()),
}
# Transformers and MLPs.
import itertools
from torchvision.models.vision_transformer import VisionTransformer
def hswish(): return nn.Hardswish()
def bias_index(res, sub=None, stride=1):
    pts = list(itertools.product(range(res), range(res)))
    subs = pts if sub is None else list(itertools.product(range(sub), range(sub)))
    offs, idx = {}, []
    for a in subs:
        for b in pts:
            o = (abs(a[0] * stride - b[0]), abs(a[1] * stride - b[1]))
            idx.append(offs.setdefault(o, len(offs)))
    return len(offs), torch.LongTensor(idx).view(len(subs), len(pts))
class LeAttn(nn.Module):
    # LeViT / TinyViT attention (deploy form for LeViT: Linear with bias, no BN), attention biases gathered once.
    def __init__(s, dim, key_dim, heads, ratio, res, out_dim=None, sub=None, stride=1, norm=False, act=True):
        super().__init__(); s.h, s.kd, s.d = heads, key_dim, int(ratio * key_dim); s.scale = key_dim ** -0.5
        s.sub, s.stride, s.res = sub, stride, res
        s.norm = nn.LayerNorm(dim) if norm else nn.Identity()
        if sub is None: s.qkv = nn.Linear(dim, s.d * heads + 2 * key_dim * heads)
        else: s.kv = nn.Linear(dim, s.d * heads + key_dim * heads); s.q = nn.Linear(dim, key_dim * heads)
        s.proj = nn.Sequential(hswish() if act else nn.Identity(), nn.Linear(s.d * heads, out_dim or dim))
        n, idx = bias_index(res, sub, stride); s.register_buffer('ab', torch.zeros(heads, n)[:, idx])
    def forward(s, x):
        B, N, _ = x.shape; x = s.norm(x)
        if s.sub is None:
            q, k, v = s.qkv(x).view(B, N, s.h, -1).split([s.kd, s.kd, s.d], dim=3)
            q = q.permute(0, 2, 1, 3)
        else:
            k, v = s.kv(x).view(B, N, s.h, -1).split([s.kd, s.d], dim=3)
            xs = x.view(B, s.res, s.res, -1)[:, ::s.stride, ::s.stride].reshape(B, -1, x.shape[-1])
            q = s.q(xs).view(B, -1, s.h, s.kd).permute(0, 2, 1, 3)
        k, v = k.permute(0, 2, 1, 3), v.permute(0, 2, 1, 3)
        a = ((q @ k.transpose(-2, -1)) * s.scale + s.ab).softmax(-1)
        return s.proj((a @ v).transpose(1, 2).reshape(B, -1, s.h * s.d))
class Res(nn.Module):
    def __init__(s, m): super().__init__(); s.m = m
    def forward(s, x): return x + s.m(x)
def mlp(d, r, act): return nn.Sequential(nn.Linear(d, d * r), act(), nn.Linear(d * r, d))
class LeViT128S(nn.Module):
    def __init__(s):
        super().__init__(); e, kd, heads, depths = [128, 256, 384], 16, [4, 6, 8], [2, 3, 4]
        ch = [3, 16, 32, 64, 128]; layers = []
        for i in range(4): layers += [nn.Conv2d(ch[i], ch[i + 1], 3, 2, 1)] + ([hswish()] if i < 3 else [])
        s.stem = nn.Sequential(*layers); blocks, res = [], 14
        for i in range(3):
            if i > 0:
                blocks += [LeAttn(e[i - 1], kd, e[i - 1] // kd, 4, res, out_dim=e[i], sub=(res - 1) // 2 + 1, stride=2), Res(mlp(e[i], 2, hswish))]
                res = (res - 1) // 2 + 1
            for _ in range(depths[i]): blocks += [Res(LeAttn(e[i], kd, heads[i], 2, res)), Res(mlp(e[i], 2, hswish))]
        s.blocks = nn.Sequential(*blocks); s.head = nn.Linear(384, 1000); s.dist = nn.Linear(384, 1000)
    def forward(s, x):
        x = s.blocks(s.stem(x).flatten(2).transpose(1, 2)).mean(1)
        return (s.head(x) + s.dist(x)) / 2
def cbn(i, o, k=1, st=1, g=1): return nn.Sequential(nn.Conv2d(i, o, k, st, k // 2, groups=g, bias=False), nn.BatchNorm2d(o))
class MBConv(nn.Module):
    def __init__(s, c):
        super().__init__(); h = 4 * c; s.f = nn.Sequential(cbn(c, h), nn.GELU(), cbn(h, h, 3, 1, h), nn.GELU(), cbn(h, c)); s.act = nn.GELU()
    def forward(s, x): return s.act(s.f(x) + x)
class Merge(nn.Module):
    def __init__(s, i, o): super().__init__(); s.f = nn.Sequential(cbn(i, o), nn.GELU(), cbn(o, o, 3, 2, o), nn.GELU(), cbn(o, o))
    def forward(s, x): return s.f(x)
class TinyBlock(nn.Module):
    def __init__(s, c, heads, win, res):
        super().__init__(); s.win, s.res = win, res; s.attn = LeAttn(c, c // heads, heads, 1, win, norm=True, act=False)
        s.local = cbn(c, c, 3, 1, c); s.mlp = nn.Sequential(nn.LayerNorm(c), nn.Linear(c, 4 * c), nn.GELU(), nn.Linear(4 * c, c))
    def forward(s, x):
        B, L, C = x.shape; H = s.res; w = s.win; n = H // w
        y = x.view(B, n, w, n, w, C).transpose(2, 3).reshape(B * n * n, w * w, C)
        y = s.attn(y).view(B, n, n, w, w, C).transpose(2, 3).reshape(B, L, C)
        x = x + y
        x = s.local(x.transpose(1, 2).reshape(B, C, H, H)).view(B, C, L).transpose(1, 2)
        return x + s.mlp(x)
class TinyViT5M(nn.Module):
    def __init__(s):
        super().__init__(); c, heads, depths, wins, res = [64, 128, 160, 320], [2, 4, 5, 10], [2, 2, 6, 2], [7, 7, 14, 7], [56, 28, 14, 7]
        s.embed = nn.Sequential(cbn(3, 32, 3, 2), nn.GELU(), cbn(32, 64, 3, 2))
        s.conv = nn.Sequential(*[MBConv(64) for _ in range(2)], Merge(64, 128))
        s.stages = nn.ModuleList(); s.merges = nn.ModuleList()
        for i in range(1, 4):
            s.stages.append(nn.Sequential(*[TinyBlock(c[i], heads[i], wins[i], res[i]) for _ in range(depths[i])]))
            s.merges.append(Merge(c[i], c[i + 1]) if i < 3 else nn.Identity())
        s.norm = nn.LayerNorm(320); s.head = nn.Linear(320, 1000)
    def forward(s, x):
        x = s.conv(s.embed(x)); res = [28, 14, 7]
        x = x.flatten(2).transpose(1, 2)
        for i, (st, mg) in enumerate(zip(s.stages, s.merges)):
            x = st(x)
            if i < 2: B, L, C = x.shape; x = mg(x.transpose(1, 2).reshape(B, C, res[i], res[i])).flatten(2).transpose(1, 2)
        return s.head(s.norm(x.mean(1)))
class MixerB16(nn.Module):
    def __init__(s):
        super().__init__(); d, t = 768, 196
        s.embed = nn.Conv2d(3, d, 16, 16)
        s.blocks = nn.ModuleList(nn.ModuleList([nn.LayerNorm(d), nn.Sequential(nn.Linear(t, 384), nn.GELU(), nn.Linear(384, t)), nn.LayerNorm(d), nn.Sequential(nn.Linear(d, 3072), nn.GELU(), nn.Linear(3072, d))]) for _ in range(12))
        s.norm = nn.LayerNorm(d); s.head = nn.Linear(d, 1000)
    def forward(s, x):
        x = s.embed(x).flatten(2).transpose(1, 2)
        for n1, tok, n2, ch in s.blocks:
            x = x + tok(n1(x).transpose(1, 2)).transpose(1, 2)
            x = x + ch(n2(x))
        return s.head(s.norm(x).mean(1))
specs.update({
    'deit_s': ('DeiT-S', lambda: VisionTransformer(224, 16, 12, 6, 384, 1536)),
    'swin_t': ('Swin-T', lambda: torchvision.models.swin_t()),
    'vit_b16': ('ViT-B/16', lambda: torchvision.models.vit_b_16()),
    'levit_128s_deploy': ('LeViT-128S (deploy)', LeViT128S),
    'tinyvit_5m': ('TinyViT-5M', TinyViT5M),
    'mlp_mixer_b16': ('MLP-Mixer-B/16', MixerB16),
})
` + TORCH_TIME_FORWARD + String.raw`
with torch.no_grad():
    for k in keys:
        name, make = specs[k]
        m = make().eval()
        for b in batches: time_forward(name, m, b, 224, min_s)
`;
