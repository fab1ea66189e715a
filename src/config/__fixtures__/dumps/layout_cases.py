case_00 = dict(
    by_epoch=True, gamma=0.1, milestones=[
        2,
    ], type='MultiStepLR')
case_01 = dict(
    mean=[
        125.307,
        122.961,
        113.8575,
    ],
    num_classes=2,
    std=[
        51.5865,
        50.847,
        51.255,
    ],
    to_rgb=False)
case_02 = dict(
    mean=[
        1,
        2,
        3,
    ], num_classes=2, std=[
        1,
        2,
        3,
    ], to_rgb=False)
case_03 = dict(
    b=dict(c=1, d=[
        1,
    ]), e=2)
case_04 = dict(
    b=2, t=(
        1,
        2,
    ))
case_05 = dict(b=2, t=(1, ))
case_06 = [
    dict(p=[
        1,
    ], type='X'),
    dict(type='Y'),
]
case_07 = dict(
    backbone=dict(
        depth=50,
        num_stages=4,
        out_indices=(3, ),
        style='pytorch',
        type='ResNet'))
case_08 = dict(
    b=dict(layer='Linear', std=0.01, type='Normal'),
    c=dict(p=1, q='aaaaaaaaaaaaaaaaaaaaaaaaaaaa'),
    ddddd=3)
case_09 = dict(
    b=[
        1,
    ], c='xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx')
case_10 = dict(
    b=[
        1,
    ],
    c='xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx')
case_11 = dict(
    b=1, c='xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx')
case_12 = dict(
    b=1, c='xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx')
case_13 = dict(
    b=1,
    c='xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx')
case_14 = dict(
    b=1,
    c='xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx'
)
case_15 = dict(
    q=dict(b=[
        1,
    ], c='xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx'), z=1)
case_16 = dict(
    q=dict(b=[
        1,
    ], c='xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx'),
    z=1)
case_17 = dict(
    q=dict(
        b=[
            1,
        ], c='xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx'),
    z=1)
case_18 = dict(
    q=dict(
        b=[
            1,
        ], c='xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx'),
    z=1)
case_19 = dict(
    q=dict(
        b=[
            1,
        ],
        c='xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx'),
    z=1)
case_20 = dict(
    train_cfg=dict(
        augments=dict(alpha=1.0, num_classes=10, prob=1.0,
                      type='BatchCutMix')),
    type='X')
case_21 = dict(
    train_cfg=dict(
        augmentsxx=dict(
            alpha=1.0, num_classes=10, prob=1.0, type='BatchCutMix')),
    type='X')
case_22 = dict(
    loss=dict(
        label_smooth_val=0.1, mode='classy_vision', type='LabelSmoothLoss'),
    x=1)
case_23 = dict(
    backbone=dict(
        arch='small', drop_path_rate=0.3, img_size=224,
        type='SwinTransformer'),
    x=1)
case_24 = dict(
    backbone=dict(
        arch='small',
        drop_path_rate=0.3,
        img_size=224,
        type='SwinTransformerXX'),
    x=1)
case_25 = dict(
    ds=dict(
        question_file=
        'annotations/okvqa_OpenEnded_mscoco_val2014_questions.json',
        type='COCOVQA'),
    x=1)
case_26 = dict(
    tok=dict(
        vocab_file=
        'https://download.openmmlab.com/mmpretrain/v1.0/chinese_clip/vocab.txt'
    ),
    x=1)
case_27 = dict(
    paramwise_cfg=dict(custom_keys=dict({'.cls_token': dict(decay_mult=0.0)})))
case_28 = dict(
    paramwise_cfg=dict(
        custom_keys=dict({
            'bias':
            dict(decay_mult=0, lars_exclude=True, lr_mult=0.024),
            'downsample.1':
            dict(decay_mult=0, lars_exclude=True, lr_mult=0.024)
        })))
case_29 = dict(
    big=1e+16,
    empty=dict(),
    f=1e-05,
    l=[],
    n=None,
    neg=-0.5,
    nested=[
        [
            1,
            2,
        ],
        (3, ),
    ],
    s="it's",
    t=())
