data_preprocessor = dict(
    mean=[
        72.94,
    ], num_classes=10, std=[
        90.02,
    ])
dataset_type = 'FashionMNIST'
test_dataloader = dict(
    batch_size=128,
    dataset=dict(
        data_root='data/fashion-mnist',
        pipeline=[
            dict(scale=32, type='Resize'),
            dict(type='PackInputs'),
        ],
        split='test',
        type='FashionMNIST'),
    num_workers=2,
    sampler=dict(shuffle=False, type='DefaultSampler'))
test_evaluator = dict(topk=(1, ), type='Accuracy')
test_pipeline = [
    dict(scale=32, type='Resize'),
    dict(type='PackInputs'),
]
train_dataloader = dict(
    batch_size=128,
    dataset=dict(
        data_root='data/fashion-mnist',
        pipeline=[
            dict(scale=32, type='Resize'),
            dict(direction='horizontal', prob=0.5, type='RandomFlip'),
            dict(type='PackInputs'),
        ],
        split='train',
        type='FashionMNIST'),
    num_workers=2,
    sampler=dict(shuffle=True, type='DefaultSampler'))
train_pipeline = [
    dict(scale=32, type='Resize'),
    dict(direction='horizontal', prob=0.5, type='RandomFlip'),
    dict(type='PackInputs'),
]
val_dataloader = dict(
    batch_size=128,
    dataset=dict(
        data_root='data/fashion-mnist',
        pipeline=[
            dict(scale=32, type='Resize'),
            dict(type='PackInputs'),
        ],
        split='test',
        type='FashionMNIST'),
    num_workers=2,
    sampler=dict(shuffle=False, type='DefaultSampler'))
val_evaluator = dict(topk=(1, ), type='Accuracy')
