/** The module system (torch.nn / mmcv bricks on tfjs). */
export * from './module';
export * from './state_dict';
export * from './layout';
export * from './conv';
export * from './norm';
export * from './linear';
export * from './activation';
export * from './pooling';
export * from './dropout';
export * from './container';
export * from './bricks';
export * from './init';
