"""Reference values of MMPretrain 1.2's CrossEntropyLoss and LabelSmoothLoss (its own `losses/*.py`, read from a git
mirror, run on PyTorch with stand-ins for the registry and the logger) over every mode: softmax / use_soft /
use_sigmoid, label smoothing modes original / classy_vision / multi_label with use_sigmoid None / True / False,
reductions none / mean / sum, sample weights, class_weight, pos_weight, avg_factor, reduction_override, loss_weight,
(N,), (N, 1), probability and multi-hot targets. Writes `loss_modes.json`.

Usage: python3 make_loss_modes.py [/path/to/mmpretrain-git-dir]
"""
import json
import os
import subprocess
import sys
import tempfile

import torch

MIRROR = sys.argv[1] if len(sys.argv) > 1 else '/work/.mirror/open-mmlab+mmpretrain/repo'
HERE = os.path.dirname(os.path.abspath(__file__))

STUBS = {
    'mmengine/__init__.py': '',
    'mmengine/logging.py': '''
class MMLogger:
    @staticmethod
    def get_current_instance():
        class _Logger:
            def warning(self, *args):
                pass
        return _Logger()
''',
    'mmpretrain/__init__.py': '',
    'mmpretrain/registry.py': '''
class _Registry:
    def register_module(self, *args, **kwargs):
        return lambda cls: cls
MODELS = _Registry()
''',
    'mmpretrain/models/__init__.py': '',
    'mmpretrain/models/losses/__init__.py': '',
}


def main():
    tmp = tempfile.mkdtemp()
    for path, text in STUBS.items():
        os.makedirs(os.path.dirname(os.path.join(tmp, path)), exist_ok=True)
        with open(os.path.join(tmp, path), 'w') as f:
            f.write(text)
    for name in ['cross_entropy_loss', 'label_smooth_loss', 'utils']:
        src = subprocess.run(['git', '-C', MIRROR, 'show', f'HEAD:mmpretrain/models/losses/{name}.py'],
                             check=True, capture_output=True, text=True).stdout
        with open(os.path.join(tmp, f'mmpretrain/models/losses/{name}.py'), 'w') as f:
            f.write(src)
    sys.path.insert(0, tmp)
    from mmpretrain.models.losses.cross_entropy_loss import CrossEntropyLoss
    from mmpretrain.models.losses.label_smooth_loss import LabelSmoothLoss

    logits = torch.tensor([[1.5, -0.5, 0.25, 2.0], [-1.0, 0.75, 0.5, -0.25], [0.0, 3.0, -2.0, 1.0]], dtype=torch.float64)
    hard = torch.tensor([3, 0, 1])
    sw = [0.5, 2.0, 1.5]
    cw = [1.0, 0.5, 2.0, 3.0]
    pw = [2.0, 1.0, 1.0, 0.5]
    soft = [[0.6, 0.2, 0.0, 0.2], [0.0, 0.5, 0.5, 0.0], [0.1, 0.7, 0.1, 0.1]]
    multi = [[1, 0, 1, 0], [0, 0, 0, 1], [1, 1, 0, 0]]
    bce_t = [[1, 0, 0, 1], [0, 0, 1, 0], [0.5, 1, 0, 0]]
    cases = []

    def add(name, cls, cfg, target, kind, **kw):
        t = torch.tensor(target, dtype=torch.int64 if kind == 'int' else torch.float64)
        call = {k: (torch.tensor(v, dtype=torch.float64) if k == 'weight' else v) for k, v in kw.items()}
        out = cls(**cfg)(logits, t, **call)
        cases.append(dict(name=name, loss=cls.__name__, cfg=cfg, target=target, target_dtype=kind, call=kw,
                          shape=list(out.shape), out=out.flatten().tolist()))

    for red in ['none', 'mean', 'sum']:
        add(f'CE hard, {red}, class_weight, weight', CrossEntropyLoss, dict(reduction=red, class_weight=cw, loss_weight=0.5), hard.tolist(), 'int', weight=sw)
        add(f'CE use_soft, {red}, class_weight, weight', CrossEntropyLoss, dict(use_soft=True, reduction=red, class_weight=cw, loss_weight=3.0), soft, 'float', weight=sw)
        add(f'CE probability target, {red}', CrossEntropyLoss, dict(reduction=red, class_weight=cw), soft, 'float')
        add(f'CE use_sigmoid, {red}, class_weight, pos_weight, weight', CrossEntropyLoss, dict(use_sigmoid=True, reduction=red, class_weight=cw, pos_weight=pw, loss_weight=2.0), bce_t, 'float', weight=sw)
        for mode in ['original', 'classy_vision', 'multi_label']:
            for sig in [None, True, False]:
                cfg = dict(label_smooth_val=0.2, mode=mode, reduction=red, loss_weight=1.5, class_weight=cw, pos_weight=pw)
                if sig is not None:
                    cfg['use_sigmoid'] = sig
                add(f'LS {mode}, use_sigmoid {sig}, {red}', LabelSmoothLoss, cfg, multi if mode == 'multi_label' else hard.tolist(), 'int', weight=sw)
        add(f'LS original, (N, 1) labels, {red}', LabelSmoothLoss, dict(label_smooth_val=0.1, reduction=red), hard.view(-1, 1).tolist(), 'int')
        add(f'LS original, Mixup targets, {red}', LabelSmoothLoss, dict(label_smooth_val=0.1, reduction=red), soft, 'float')
    add('CE avg_factor', CrossEntropyLoss, dict(), hard.tolist(), 'int', avg_factor=7)
    add('CE avg_factor, reduction_override none', CrossEntropyLoss, dict(), hard.tolist(), 'int', avg_factor=7, reduction_override='none')
    add('CE use_sigmoid avg_factor', CrossEntropyLoss, dict(use_sigmoid=True), bce_t, 'float', avg_factor=3)
    add('LS classy_vision avg_factor, weight', LabelSmoothLoss, dict(label_smooth_val=0.3, mode='classy_vision'), hard.tolist(), 'int', avg_factor=3, weight=sw)
    add('CE reduction_override sum', CrossEntropyLoss, dict(class_weight=cw), hard.tolist(), 'int', reduction_override='sum')
    with open(os.path.join(HERE, 'loss_modes.json'), 'w') as f:
        json.dump(dict(logits=logits.tolist(), cases=cases), f, indent=0)
    print(len(cases), 'cases')


if __name__ == '__main__':
    main()
