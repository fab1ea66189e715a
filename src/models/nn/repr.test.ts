import { describe, expect, it } from 'vitest';
import { buildClassifier } from '../builder';
import { pyFloat } from './repr';

describe('module repr (print(model))', () => {
  it('prints a classifier as PyTorch / MMPretrain do', () => {
    const m = buildClassifier({ type: 'ImageClassifier', backbone: { type: 'LeNet5', num_classes: 10 }, head: { type: 'ClsHead' } }, { seed: null });
    expect(m.toString()).toBe(`ImageClassifier(
  (data_preprocessor): ClsDataPreprocessor()
  (backbone): LeNet5(
    (features): Sequential(
      (0): Conv2d(1, 6, kernel_size=(5, 5), stride=(1, 1))
      (1): Tanh()
      (2): AvgPool2d(kernel_size=2, stride=2, padding=0)
      (3): Conv2d(6, 16, kernel_size=(5, 5), stride=(1, 1))
      (4): Tanh()
      (5): AvgPool2d(kernel_size=2, stride=2, padding=0)
      (6): Conv2d(16, 120, kernel_size=(5, 5), stride=(1, 1))
      (7): Tanh()
    )
    (classifier): Sequential(
      (0): Linear(in_features=120, out_features=84, bias=True)
      (1): Tanh()
      (2): Linear(in_features=84, out_features=10, bias=True)
    )
  )
  (head): ClsHead(
    (loss_module): CrossEntropyLoss()
  )
)`);
    const r = buildClassifier({ type: 'ImageClassifier', backbone: { type: 'ResNet', depth: 18, num_stages: 1, strides: [1], dilations: [1], out_indices: [0] } }, { seed: null });
    const text = r.toString();
    expect(text).toContain('(conv1): Conv2d(3, 64, kernel_size=(7, 7), stride=(2, 2), padding=(3, 3), bias=False)');
    expect(text).toContain('(bn1): BatchNorm2d(64, eps=1e-05, momentum=0.1, affine=True, track_running_stats=True)');
    expect(text).toContain('(relu): ReLU(inplace=True)');
    expect(text).toContain('(maxpool): MaxPool2d(kernel_size=3, stride=2, padding=1, dilation=1, ceil_mode=False)');
    m.dispose();
    r.dispose();
  });
  it('formats floats as Python', () => {
    expect([pyFloat(1e-5), pyFloat(0.1), pyFloat(1e-6), pyFloat(0.001), pyFloat(1)]).toEqual(['1e-05', '0.1', '1e-06', '0.001', '1.0']);
  });
});
