batch_size = 32
color_distort_strength = 1.0
custom_hooks = [
    dict(
        batch_size=32,
        crops_for_assign=[
            0,
            1,
        ],
        epoch_queue_starts=15,
        feat_dim=128,
        frozen_layers_cfg=dict(prototypes=5005),
        priority='VERY_HIGH',
        queue_length=3840,
        type='SwAVHook'),
]
data_preprocessor = dict(
    mean=[
        123.675,
        116.28,
        103.53,
    ],
    std=[
        58.395,
        57.12,
        57.375,
    ],
    to_rgb=True,
    type='SelfSupDataPreprocessor')
data_root = 'data/imagenet/'
dataset_type = 'ImageNet'
default_hooks = dict(
    checkpoint=dict(interval=10, max_keep_ckpts=3, type='CheckpointHook'),
    logger=dict(interval=100, type='LoggerHook'),
    param_scheduler=dict(type='ParamSchedulerHook'),
    sampler_seed=dict(type='DistSamplerSeedHook'),
    timer=dict(type='IterTimerHook'),
    visualization=dict(enable=False, type='VisualizationHook'))
default_scope = 'mmpretrain'
env_cfg = dict(
    cudnn_benchmark=False,
    dist_cfg=dict(backend='nccl'),
    mp_cfg=dict(mp_start_method='fork', opencv_num_threads=0))
find_unused_parameters = True
load_from = None
log_level = 'INFO'
model = dict(
    backbone=dict(
        depth=50,
        norm_cfg=dict(type='SyncBN'),
        type='ResNet',
        zero_init_residual=True),
    data_preprocessor=dict(
        mean=(
            123.675,
            116.28,
            103.53,
        ),
        std=(
            58.395,
            57.12,
            57.375,
        ),
        to_rgb=True),
    head=dict(
        loss=dict(
            epsilon=0.05,
            feat_dim=128,
            num_crops=[
                2,
                6,
            ],
            temperature=0.1,
            type='SwAVLoss'),
        type='SwAVHead'),
    neck=dict(
        hid_channels=2048,
        in_channels=2048,
        out_channels=128,
        type='SwAVNeck',
        with_avg_pool=True),
    type='SwAV')
num_crops = [
    2,
    6,
]
optim_wrapper = dict(
    optimizer=dict(lr=0.6, momentum=0.9, type='LARS', weight_decay=1e-06),
    type='OptimWrapper')
param_scheduler = [
    dict(
        T_max=200,
        begin=0,
        by_epoch=True,
        convert_to_iter_based=True,
        end=200,
        eta_min=0.0006,
        type='CosineAnnealingLR'),
]
randomness = dict(deterministic=False, seed=None)
resume = False
train_cfg = dict(max_epochs=200, type='EpochBasedTrainLoop')
train_dataloader = dict(
    batch_size=32,
    collate_fn=dict(type='default_collate'),
    dataset=dict(
        ann_file='meta/train.txt',
        data_prefix=dict(img_path='train/'),
        data_root='data/imagenet/',
        pipeline=[
            dict(type='LoadImageFromFile'),
            dict(
                num_views=[
                    2,
                    6,
                ],
                transforms=[
                    [
                        dict(
                            backend='pillow',
                            crop_ratio_range=(
                                0.14,
                                1.0,
                            ),
                            scale=224,
                            type='RandomResizedCrop'),
                        dict(
                            prob=0.8,
                            transforms=[
                                dict(
                                    brightness=0.8,
                                    contrast=0.8,
                                    hue=0.2,
                                    saturation=0.8,
                                    type='ColorJitter'),
                            ],
                            type='RandomApply'),
                        dict(
                            channel_weights=(
                                0.114,
                                0.587,
                                0.2989,
                            ),
                            keep_channels=True,
                            prob=0.2,
                            type='RandomGrayscale'),
                        dict(
                            magnitude_range=(
                                0.1,
                                2.0,
                            ),
                            magnitude_std='inf',
                            prob=0.5,
                            type='GaussianBlur'),
                        dict(prob=0.5, type='RandomFlip'),
                    ],
                    [
                        dict(
                            backend='pillow',
                            crop_ratio_range=(
                                0.05,
                                0.14,
                            ),
                            scale=96,
                            type='RandomResizedCrop'),
                        dict(
                            prob=0.8,
                            transforms=[
                                dict(
                                    brightness=0.8,
                                    contrast=0.8,
                                    hue=0.2,
                                    saturation=0.8,
                                    type='ColorJitter'),
                            ],
                            type='RandomApply'),
                        dict(
                            channel_weights=(
                                0.114,
                                0.587,
                                0.2989,
                            ),
                            keep_channels=True,
                            prob=0.2,
                            type='RandomGrayscale'),
                        dict(
                            magnitude_range=(
                                0.1,
                                2.0,
                            ),
                            magnitude_std='inf',
                            prob=0.5,
                            type='GaussianBlur'),
                        dict(prob=0.5, type='RandomFlip'),
                    ],
                ],
                type='MultiView'),
            dict(type='PackInputs'),
        ],
        type='ImageNet'),
    drop_last=True,
    num_workers=8,
    persistent_workers=True,
    sampler=dict(shuffle=True, type='DefaultSampler'))
train_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(
        num_views=[
            2,
            6,
        ],
        transforms=[
            [
                dict(
                    backend='pillow',
                    crop_ratio_range=(
                        0.14,
                        1.0,
                    ),
                    scale=224,
                    type='RandomResizedCrop'),
                dict(
                    prob=0.8,
                    transforms=[
                        dict(
                            brightness=0.8,
                            contrast=0.8,
                            hue=0.2,
                            saturation=0.8,
                            type='ColorJitter'),
                    ],
                    type='RandomApply'),
                dict(
                    channel_weights=(
                        0.114,
                        0.587,
                        0.2989,
                    ),
                    keep_channels=True,
                    prob=0.2,
                    type='RandomGrayscale'),
                dict(
                    magnitude_range=(
                        0.1,
                        2.0,
                    ),
                    magnitude_std='inf',
                    prob=0.5,
                    type='GaussianBlur'),
                dict(prob=0.5, type='RandomFlip'),
            ],
            [
                dict(
                    backend='pillow',
                    crop_ratio_range=(
                        0.05,
                        0.14,
                    ),
                    scale=96,
                    type='RandomResizedCrop'),
                dict(
                    prob=0.8,
                    transforms=[
                        dict(
                            brightness=0.8,
                            contrast=0.8,
                            hue=0.2,
                            saturation=0.8,
                            type='ColorJitter'),
                    ],
                    type='RandomApply'),
                dict(
                    channel_weights=(
                        0.114,
                        0.587,
                        0.2989,
                    ),
                    keep_channels=True,
                    prob=0.2,
                    type='RandomGrayscale'),
                dict(
                    magnitude_range=(
                        0.1,
                        2.0,
                    ),
                    magnitude_std='inf',
                    prob=0.5,
                    type='GaussianBlur'),
                dict(prob=0.5, type='RandomFlip'),
            ],
        ],
        type='MultiView'),
    dict(type='PackInputs'),
]
view_pipeline1 = [
    dict(
        backend='pillow',
        crop_ratio_range=(
            0.14,
            1.0,
        ),
        scale=224,
        type='RandomResizedCrop'),
    dict(
        prob=0.8,
        transforms=[
            dict(
                brightness=0.8,
                contrast=0.8,
                hue=0.2,
                saturation=0.8,
                type='ColorJitter'),
        ],
        type='RandomApply'),
    dict(
        channel_weights=(
            0.114,
            0.587,
            0.2989,
        ),
        keep_channels=True,
        prob=0.2,
        type='RandomGrayscale'),
    dict(
        magnitude_range=(
            0.1,
            2.0,
        ),
        magnitude_std='inf',
        prob=0.5,
        type='GaussianBlur'),
    dict(prob=0.5, type='RandomFlip'),
]
view_pipeline2 = [
    dict(
        backend='pillow',
        crop_ratio_range=(
            0.05,
            0.14,
        ),
        scale=96,
        type='RandomResizedCrop'),
    dict(
        prob=0.8,
        transforms=[
            dict(
                brightness=0.8,
                contrast=0.8,
                hue=0.2,
                saturation=0.8,
                type='ColorJitter'),
        ],
        type='RandomApply'),
    dict(
        channel_weights=(
            0.114,
            0.587,
            0.2989,
        ),
        keep_channels=True,
        prob=0.2,
        type='RandomGrayscale'),
    dict(
        magnitude_range=(
            0.1,
            2.0,
        ),
        magnitude_std='inf',
        prob=0.5,
        type='GaussianBlur'),
    dict(prob=0.5, type='RandomFlip'),
]
vis_backends = [
    dict(type='LocalVisBackend'),
]
visualizer = dict(
    type='UniversalVisualizer', vis_backends=[
        dict(type='LocalVisBackend'),
    ])
