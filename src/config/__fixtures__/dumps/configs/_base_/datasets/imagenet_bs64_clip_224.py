data = dict(
    samples_per_gpu=64,
    test=dict(
        data_root='data/imagenet',
        pipeline=[
            dict(type='LoadImageFromFile'),
            dict(
                backend='pillow',
                interpolation='bicubic',
                size=(
                    224,
                    -1,
                ),
                type='Resize'),
            dict(crop_size=224, type='CenterCrop'),
            dict(
                mean=[
                    122.7709383,
                    116.7460125,
                    104.09373615000001,
                ],
                std=[
                    68.5005327,
                    66.6321579,
                    70.32316304999999,
                ],
                to_rgb=True,
                type='Normalize'),
            dict(keys=[
                'img',
            ], type='ImageToTensor'),
            dict(keys=[
                'img',
            ], type='Collect'),
        ],
        split='val',
        type='ImageNet'),
    train=dict(
        data_root='data/imagenet',
        pipeline=[
            dict(type='LoadImageFromFile'),
            dict(
                backend='pillow',
                interpolation='bicubic',
                size=224,
                type='RandomResizedCrop'),
            dict(direction='horizontal', flip_prob=0.5, type='RandomFlip'),
            dict(
                erase_prob=0.25,
                fill_color=[
                    104.09373615000001,
                    116.7460125,
                    122.7709383,
                ],
                fill_std=[
                    70.32316304999999,
                    66.6321579,
                    68.5005327,
                ],
                max_area_ratio=0.3333333333333333,
                min_area_ratio=0.02,
                mode='rand',
                type='RandomErasing'),
            dict(
                mean=[
                    122.7709383,
                    116.7460125,
                    104.09373615000001,
                ],
                std=[
                    68.5005327,
                    66.6321579,
                    70.32316304999999,
                ],
                to_rgb=True,
                type='Normalize'),
            dict(keys=[
                'img',
            ], type='ImageToTensor'),
            dict(keys=[
                'gt_label',
            ], type='ToTensor'),
            dict(keys=[
                'img',
                'gt_label',
            ], type='Collect'),
        ],
        split='train',
        type='ImageNet'),
    val=dict(
        data_root='data/imagenet',
        pipeline=[
            dict(type='LoadImageFromFile'),
            dict(
                backend='pillow',
                interpolation='bicubic',
                size=(
                    224,
                    -1,
                ),
                type='Resize'),
            dict(crop_size=224, type='CenterCrop'),
            dict(
                mean=[
                    122.7709383,
                    116.7460125,
                    104.09373615000001,
                ],
                std=[
                    68.5005327,
                    66.6321579,
                    70.32316304999999,
                ],
                to_rgb=True,
                type='Normalize'),
            dict(keys=[
                'img',
            ], type='ImageToTensor'),
            dict(keys=[
                'img',
            ], type='Collect'),
        ],
        split='val',
        type='ImageNet'),
    workers_per_gpu=8)
dataset_type = 'ImageNet'
evaluation = dict(interval=10, metric='accuracy')
image_size = 224
img_norm_cfg = dict(
    mean=[
        122.7709383,
        116.7460125,
        104.09373615000001,
    ],
    std=[
        68.5005327,
        66.6321579,
        70.32316304999999,
    ],
    to_rgb=True)
test_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(
        backend='pillow',
        interpolation='bicubic',
        size=(
            224,
            -1,
        ),
        type='Resize'),
    dict(crop_size=224, type='CenterCrop'),
    dict(
        mean=[
            122.7709383,
            116.7460125,
            104.09373615000001,
        ],
        std=[
            68.5005327,
            66.6321579,
            70.32316304999999,
        ],
        to_rgb=True,
        type='Normalize'),
    dict(keys=[
        'img',
    ], type='ImageToTensor'),
    dict(keys=[
        'img',
    ], type='Collect'),
]
train_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(
        backend='pillow',
        interpolation='bicubic',
        size=224,
        type='RandomResizedCrop'),
    dict(direction='horizontal', flip_prob=0.5, type='RandomFlip'),
    dict(
        erase_prob=0.25,
        fill_color=[
            104.09373615000001,
            116.7460125,
            122.7709383,
        ],
        fill_std=[
            70.32316304999999,
            66.6321579,
            68.5005327,
        ],
        max_area_ratio=0.3333333333333333,
        min_area_ratio=0.02,
        mode='rand',
        type='RandomErasing'),
    dict(
        mean=[
            122.7709383,
            116.7460125,
            104.09373615000001,
        ],
        std=[
            68.5005327,
            66.6321579,
            70.32316304999999,
        ],
        to_rgb=True,
        type='Normalize'),
    dict(keys=[
        'img',
    ], type='ImageToTensor'),
    dict(keys=[
        'gt_label',
    ], type='ToTensor'),
    dict(keys=[
        'img',
        'gt_label',
    ], type='Collect'),
]
