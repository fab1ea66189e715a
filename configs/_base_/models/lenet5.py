# model settings
# LeNet-5 for 1-channel 32x32 inputs (28x28 digits resized to 32), as in
# configs/lenet/lenet5_mnist.py.
model = dict(
    type='ImageClassifier',
    backbone=dict(type='LeNet5', num_classes=10),
    neck=None,
    head=dict(
        type='ClsHead',
        loss=dict(type='CrossEntropyLoss', loss_weight=1.0),
    ))
