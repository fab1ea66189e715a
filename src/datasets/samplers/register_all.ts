/** Registers the samplers in `DATA_SAMPLERS`. */
import { DATA_SAMPLERS } from '../../registry';
import { DefaultSampler, InfiniteSampler, SequentialSampler } from './default_sampler';
import { RepeatAugSampler } from './repeat_aug';

let done = false;

export function registerSamplers(): void {
  if (done) return;
  done = true;
  DATA_SAMPLERS.registerClass('DefaultSampler', DefaultSampler);
  DATA_SAMPLERS.registerClass('InfiniteSampler', InfiniteSampler);
  DATA_SAMPLERS.registerClass('SequentialSampler', SequentialSampler);
  DATA_SAMPLERS.registerClass('RepeatAugSampler', RepeatAugSampler);
}
