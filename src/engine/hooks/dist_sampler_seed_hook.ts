import type { Runner } from '../runner/runner';
import { Hook } from './hook';

/** mmengine's `DistSamplerSeedHook`: tells the sampler the epoch, so each epoch shuffles differently yet reproducibly. */
export class DistSamplerSeedHook extends Hook<Runner> {
  override beforeTrainEpoch(runner: Runner): void {
    runner.trainLoop?.dataloader.setEpoch?.(runner.epoch);
  }
}
