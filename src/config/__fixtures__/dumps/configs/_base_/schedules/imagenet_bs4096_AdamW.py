auto_scale_lr = dict(base_batch_size=4096)
optim_wrapper = dict(
    optimizer=dict(lr=0.003, type='AdamW', weight_decay=0.3),
    paramwise_cfg=dict(
        custom_keys=dict({
            '.cls_token': dict(decay_mult=0.0),
            '.pos_embed': dict(decay_mult=0.0)
        })))
param_scheduler = [
    dict(
        begin=0,
        by_epoch=True,
        convert_to_iter_based=True,
        end=30,
        start_factor=0.0001,
        type='LinearLR'),
    dict(
        T_max=270, begin=30, by_epoch=True, end=300, type='CosineAnnealingLR'),
]
test_cfg = dict()
train_cfg = dict(by_epoch=True, max_epochs=300, val_interval=1)
val_cfg = dict()
