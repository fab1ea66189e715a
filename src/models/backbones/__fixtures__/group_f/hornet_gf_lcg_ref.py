"""HorNet of MMPretrain 1.2 (real hornet.py; torch.fft) with global filters, with
weights from a 32-bit LCG, so a test can rebuild the same weights without storing them; outputs summarised."""
import sys, json, math
sys.path.insert(0, sys.argv[1] if len(sys.argv) > 1 else 'ref_env')
import numpy as np, torch
from mmpretrain.models.backbones.hornet import HorNet

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

def fill(model, seed):
    g = LCG(seed)
    sd = model.state_dict()
    for k, v in sd.items():
        if k.endswith('num_batches_tracked'): continue
        u = g.take(v.numel())
        if v.dim() >= 2:
            fan_in = int(np.prod(v.shape[1:]))
            val = u * math.sqrt(6 / fan_in)
        elif k.endswith('running_var') or k.endswith('weight'):  # norms, layer scales
            val = 1 + 0.25 * u
        else:  # bias, running_mean
            val = 0.1 * u
        v.copy_(torch.from_numpy(val.astype(np.float32)).reshape(v.shape))

def summary(t):
    a = t.detach().numpy().astype(np.float64).ravel()
    idx = np.linspace(0, a.size - 1, 48).round().astype(int)
    return {'shape': list(t.shape), 'sum': float(a.sum()), 'abs_sum': float(np.abs(a).sum()), 'samples': [float(a[i]) for i in idx], 'sample_index': idx.tolist()}


arch = dict(base_dim=8, depths=[1, 1, 2, 1], orders=[2, 3, 4, 5],
            dw_cfg=[dict(type='DW', kernel_size=7), dict(type='DW', kernel_size=7), dict(type='GF', h=14, w=8), dict(type='GF', h=3, w=2)])
res = {}
for name, kw, size in [('maps_96', dict(out_indices=(0, 1, 2, 3), gap_before_final_norm=False), 96),
                       ('pooled_64', dict(out_indices=(2, 3)), 64)]:
    m = HorNet(arch=arch, **kw)
    fill(m, 11)
    m.eval()
    x = torch.from_numpy(LCG(99).take(3 * size * size).astype(np.float32)).reshape(1, 3, size, size)
    with torch.no_grad():
        outs = m(x)
    res[name] = {'arch': arch, 'kwargs': {k: list(v) if isinstance(v, tuple) else v for k, v in kw.items()}, 'input': size, 'outputs': [summary(o) for o in outs]}
    print(name, [o['abs_sum'] / np.prod(o['shape']) for o in res[name]['outputs']])
json.dump(res, open('hornet_gf_lcg_ref.json', 'w'), indent=1)
