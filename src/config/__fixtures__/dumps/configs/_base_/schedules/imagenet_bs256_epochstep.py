auto_scale_lr = dict(base_batch_size=256)
optim_wrapper = dict(
    optimizer=dict(lr=0.045, momentum=0.9, type='SGD', weight_decay=4e-05))
param_scheduler = dict(by_epoch=True, gamma=0.98, step_size=1, type='StepLR')
test_cfg = dict()
train_cfg = dict(by_epoch=True, max_epochs=300, val_interval=1)
val_cfg = dict()
