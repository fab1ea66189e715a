data_preprocessor = dict(
    mean=[
        33.46,
    ], num_classes=10, std=[
        78.87,
    ])
dataset_type = 'MNIST'
test_dataloader = dict(
    batch_size=128,
    dataset=dict(
        data_root='data/mnist',
        pipeline=[
            dict(scale=32, type='Resize'),
            dict(type='PackInputs'),
        ],
        split='test',
        type='MNIST'),
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
        data_root='data/mnist',
        pipeline=[
            dict(scale=32, type='Resize'),
            dict(type='PackInputs'),
        ],
        split='train',
        type='MNIST'),
    num_workers=2,
    sampler=dict(shuffle=True, type='DefaultSampler'))
train_pipeline = [
    dict(scale=32, type='Resize'),
    dict(type='PackInputs'),
]
val_dataloader = dict(
    batch_size=128,
    dataset=dict(
        data_root='data/mnist',
        pipeline=[
            dict(scale=32, type='Resize'),
            dict(type='PackInputs'),
        ],
        split='test',
        type='MNIST'),
    num_workers=2,
    sampler=dict(shuffle=False, type='DefaultSampler'))
val_evaluator = dict(topk=(1, ), type='Accuracy')
