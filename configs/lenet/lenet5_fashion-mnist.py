_base_ = [
    '../_base_/models/lenet5.py',
    '../_base_/datasets/fashion_mnist_bs128.py',
    '../_base_/schedules/mnist_bs128.py',
    '../_base_/default_runtime.py',
]

# Fashion-MNIST is harder than MNIST: train longer, decay the lr twice.
train_cfg = dict(max_epochs=20)
param_scheduler = dict(milestones=[10, 15])

default_hooks = dict(logger=dict(interval=150))
