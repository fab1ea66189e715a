# The studio's default model: LeNet-5 trained in 3 epochs on Fashion-MNIST (1 "GPU" x 32 per batch, SGD with
# Nesterov momentum, cosine learning rate per iteration, no flip augmentation). `npm run train-default` reproduces
# public/models/lenet5_fashion-mnist.pth and its test accuracy (stated in the README).
_base_ = [
    '../_base_/models/lenet5.py',
    '../_base_/datasets/fashion_mnist_bs128.py',
    '../_base_/default_runtime.py',
]

data_root = '/usr/share/datasets/fashion-mnist'
train_pipeline = [dict(type='Resize', scale=32), dict(type='PackInputs')]
train_dataloader = dict(batch_size=32, dataset=dict(data_root=data_root, pipeline=train_pipeline))
val_dataloader = dict(batch_size=256, dataset=dict(data_root=data_root))
test_dataloader = val_dataloader

optim_wrapper = dict(
    optimizer=dict(type='SGD', lr=0.05, momentum=0.9, nesterov=True, weight_decay=0.0))
param_scheduler = dict(type='CosineAnnealingLR', by_epoch=False, eta_min=1e-5)

train_cfg = dict(by_epoch=True, max_epochs=3, val_interval=1)
val_cfg = dict()
test_cfg = dict()

default_hooks = dict(
    logger=dict(interval=200),
    checkpoint=dict(interval=1, save_best='auto', max_keep_ckpts=1))
randomness = dict(seed=0)
