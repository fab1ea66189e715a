data_preprocessor = dict(
    mean=[
        129.304,
        124.07,
        112.434,
    ],
    num_classes=100,
    std=[
        68.17,
        65.392,
        70.418,
    ],
    to_rgb=False)
dataset_type = 'CIFAR100'
test_dataloader = dict(
    batch_size=16,
    dataset=dict(
        data_root='data/cifar100/',
        pipeline=[
            dict(type='PackInputs'),
        ],
        split='test',
        type='CIFAR100'),
    num_workers=2,
    sampler=dict(shuffle=False, type='DefaultSampler'))
test_evaluator = dict(topk=(1, ), type='Accuracy')
test_pipeline = [
    dict(type='PackInputs'),
]
train_dataloader = dict(
    batch_size=16,
    dataset=dict(
        data_root='data/cifar100',
        pipeline=[
            dict(crop_size=32, padding=4, type='RandomCrop'),
            dict(direction='horizontal', prob=0.5, type='RandomFlip'),
            dict(type='PackInputs'),
        ],
        split='train',
        type='CIFAR100'),
    num_workers=2,
    sampler=dict(shuffle=True, type='DefaultSampler'))
train_pipeline = [
    dict(crop_size=32, padding=4, type='RandomCrop'),
    dict(direction='horizontal', prob=0.5, type='RandomFlip'),
    dict(type='PackInputs'),
]
val_dataloader = dict(
    batch_size=16,
    dataset=dict(
        data_root='data/cifar100/',
        pipeline=[
            dict(type='PackInputs'),
        ],
        split='test',
        type='CIFAR100'),
    num_workers=2,
    sampler=dict(shuffle=False, type='DefaultSampler'))
val_evaluator = dict(topk=(1, ), type='Accuracy')
