model = dict(
    backbone=dict(num_classes=10, type='LeNet5'),
    head=dict(
        loss=dict(loss_weight=1.0, type='CrossEntropyLoss'), type='ClsHead'),
    neck=None,
    type='ImageClassifier')
