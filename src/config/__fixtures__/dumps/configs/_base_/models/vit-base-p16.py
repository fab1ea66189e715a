model = dict(
    backbone=dict(
        arch='b',
        drop_rate=0.1,
        img_size=224,
        init_cfg=[
            dict(
                layer='Conv2d',
                mode='fan_in',
                nonlinearity='linear',
                type='Kaiming'),
        ],
        patch_size=16,
        type='VisionTransformer'),
    head=dict(
        in_channels=768,
        loss=dict(
            label_smooth_val=0.1, mode='classy_vision',
            type='LabelSmoothLoss'),
        num_classes=1000,
        type='VisionTransformerClsHead'),
    neck=None,
    type='ImageClassifier')
