/**
 * Schedule parts of a few MMPretrain 1.x configs (their `_base_` schedules merged), for trying the Schedule
 * panel before a config is chosen in the Config panel. Values as in MMPretrain's `configs/`.
 */
export interface SchedulePreset {
  /** The MMPretrain config path it comes from. */
  path: string;
  config: Record<string, unknown>;
}

const sgd = (lr: number, momentum: number, weight_decay: number, extra: Record<string, unknown> = {}) => ({ optimizer: { type: 'SGD', lr, momentum, weight_decay, ...extra } });

export const SCHEDULE_PRESETS: SchedulePreset[] = [
  {
    path: 'resnet/resnet18_8xb16_cifar10.py',
    config: {
      train_dataloader: { batch_size: 16, dataset: { type: 'CIFAR10', split: 'train' } },
      train_cfg: { by_epoch: true, max_epochs: 200, val_interval: 1 },
      optim_wrapper: sgd(0.1, 0.9, 0.0001),
      param_scheduler: { type: 'MultiStepLR', by_epoch: true, milestones: [100, 150], gamma: 0.1 },
      auto_scale_lr: { base_batch_size: 128 },
    },
  },
  {
    path: 'resnet/resnet50_32xb64-warmup-coslr_in1k.py',
    config: {
      train_dataloader: { batch_size: 64, dataset: { type: 'ImageNet', split: 'train' } },
      train_cfg: { by_epoch: true, max_epochs: 100, val_interval: 1 },
      optim_wrapper: sgd(0.8, 0.9, 0.0001, { nesterov: true }),
      param_scheduler: [
        { type: 'LinearLR', start_factor: 0.25, by_epoch: true, begin: 0, end: 5, convert_to_iter_based: true },
        { type: 'CosineAnnealingLR', T_max: 95, by_epoch: true, begin: 5, end: 100 },
      ],
      auto_scale_lr: { base_batch_size: 2048 },
    },
  },
  {
    path: 'vision_transformer/vit-base-p16_64xb64_in1k.py',
    config: {
      train_dataloader: { batch_size: 64, dataset: { type: 'ImageNet', split: 'train' } },
      train_cfg: { by_epoch: true, max_epochs: 300, val_interval: 1 },
      optim_wrapper: {
        optimizer: { type: 'AdamW', lr: 0.003, weight_decay: 0.3 },
        paramwise_cfg: { custom_keys: { '.cls_token': { decay_mult: 0.0 }, '.pos_embed': { decay_mult: 0.0 } } },
        clip_grad: { max_norm: 1.0 },
      },
      param_scheduler: [
        { type: 'LinearLR', start_factor: 1e-4, by_epoch: true, begin: 0, end: 30, convert_to_iter_based: true },
        { type: 'CosineAnnealingLR', T_max: 270, by_epoch: true, begin: 30, end: 300 },
      ],
      auto_scale_lr: { base_batch_size: 4096 },
    },
  },
  {
    path: 'mobilenet_v2/mobilenet-v2_8xb32_in1k.py',
    config: {
      train_dataloader: { batch_size: 32, dataset: { type: 'ImageNet', split: 'train' } },
      train_cfg: { by_epoch: true, max_epochs: 300, val_interval: 1 },
      optim_wrapper: sgd(0.045, 0.9, 0.00004),
      param_scheduler: { type: 'StepLR', by_epoch: true, step_size: 1, gamma: 0.98 },
      auto_scale_lr: { base_batch_size: 256 },
    },
  },
  {
    path: 'lenet/lenet5_mnist.py',
    config: {
      train_dataloader: { batch_size: 128, dataset: { type: 'MNIST', test_mode: false } },
      train_cfg: { by_epoch: true, max_epochs: 5, val_interval: 1 },
      optim_wrapper: sgd(0.01, 0.9, 0.0001),
      param_scheduler: { type: 'MultiStepLR', by_epoch: true, milestones: [15], gamma: 0.1 },
    },
  },
];
