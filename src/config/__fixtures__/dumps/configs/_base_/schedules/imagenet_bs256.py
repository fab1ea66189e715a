auto_scale_lr = dict(base_batch_size=256)
optim_wrapper = dict(
    optimizer=dict(lr=0.1, momentum=0.9, type='SGD', weight_decay=0.0001))
param_scheduler = dict(
    by_epoch=True, gamma=0.1, milestones=[
        30,
        60,
        90,
    ], type='MultiStepLR')
test_cfg = dict()
train_cfg = dict(by_epoch=True, max_epochs=100, val_interval=1)
val_cfg = dict()
