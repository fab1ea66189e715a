# dataset settings
dataset_type = 'FashionMNIST'
data_preprocessor = dict(
    num_classes=10,
    # single-channel normalization parameters (0-255 scale):
    # mean 0.2860 and std 0.3530 of the Fashion-MNIST train set, times 255
    mean=[72.94],
    std=[90.02],
)

train_pipeline = [
    dict(type='Resize', scale=32),
    dict(type='RandomFlip', prob=0.5, direction='horizontal'),
    dict(type='PackInputs'),
]

test_pipeline = [
    dict(type='Resize', scale=32),
    dict(type='PackInputs'),
]

train_dataloader = dict(
    batch_size=128,
    num_workers=2,
    dataset=dict(
        type=dataset_type,
        data_root='data/fashion-mnist',
        split='train',
        pipeline=train_pipeline),
    sampler=dict(type='DefaultSampler', shuffle=True),
)

val_dataloader = dict(
    batch_size=128,
    num_workers=2,
    dataset=dict(
        type=dataset_type,
        data_root='data/fashion-mnist',
        split='test',
        pipeline=test_pipeline),
    sampler=dict(type='DefaultSampler', shuffle=False),
)
val_evaluator = dict(type='Accuracy', topk=(1, ))

test_dataloader = val_dataloader
test_evaluator = val_evaluator
