import type { Runner } from '../runner/runner';
import { Hook } from './hook';

export interface VisualizationHookOptions {
  enable?: boolean;
  interval?: number;
  show?: boolean;
  out_dir?: string | null;
  wait_time?: number;
  draw_gt?: boolean;
  draw_pred?: boolean;
  draw_score?: boolean;
  priority?: number;
  [key: string]: unknown;
}

/**
 * MMPretrain's `VisualizationHook` as `default_runtime.py` configures it (`enable=False`: nothing drawn).
 * Drawing predictions over validation images is the studio's Inference and Dataset panels' job; with
 * `enable=True` the run says so once instead of writing image files.
 */
export class VisualizationHook extends Hook<Runner> {
  readonly enable: boolean;

  constructor(opts: VisualizationHookOptions = {}) {
    super({ priority: opts.priority });
    this.enable = opts.enable ?? false;
  }

  override beforeRun(runner: Runner): void {
    if (this.enable) runner.logger.warning('VisualizationHook(enable=True): prediction images are not written by this runner; open the Inference panel to see predictions drawn on images.');
  }
}
