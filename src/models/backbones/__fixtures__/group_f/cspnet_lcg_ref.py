"""CSP backbones of MMPretrain 1.2 (real cspnet/resnet/resnext source, mmcv ConvModule/BN/LeakyReLU stand-ins) with
weights from a 32-bit LCG, so a test can rebuild the same weights without storing them; outputs summarised."""
import sys, json, math
sys.path.insert(0, sys.argv[1] if len(sys.argv) > 1 else 'ref_env')
import numpy as np, torch
from mmpretrain.models.backbones.cspnet import CSPDarkNet, CSPResNet, CSPResNeXt

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

res = {}
for name, C, kw in [('CSPDarkNet', CSPDarkNet, dict(depth=53, out_indices=(0, 1, 2, 3, 4))),
                    ('CSPResNet', CSPResNet, dict(depth=50, out_indices=(0, 1, 2, 3))),
                    ('CSPResNeXt', CSPResNeXt, dict(depth=50, out_indices=(0, 1, 2, 3))),
                    ('CSPResNet_deep_stem', CSPResNet, dict(depth=50, deep_stem=True, out_indices=(3,)))]:
    m = C(**kw)
    fill(m, 7)
    m.eval()
    x = torch.from_numpy(LCG(99).take(3 * 64 * 64).astype(np.float32)).reshape(1, 3, 64, 64)
    with torch.no_grad():
        outs = m(x)
    res[name] = {'kwargs': {k: list(v) if isinstance(v, tuple) else v for k, v in kw.items()}, 'outputs': [summary(o) for o in outs]}
    print(name, [o['abs_sum'] / np.prod(o['shape']) for o in res[name]['outputs']])
json.dump(res, open('cspnet_lcg_ref.json', 'w'), indent=1)
