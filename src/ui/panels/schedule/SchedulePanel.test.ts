import { createElement } from 'react';
import { renderToString } from 'react-dom/server';
import { describe, expect, it } from 'vitest';
import SchedulePanel, { SchedulePanelView } from '../SchedulePanel';
import { gpusFromConfigName } from './configName';
import { SCHEDULE_PRESETS } from './presets';
import { niceStep } from './ScheduleChart';

describe('Schedule panel (server render of its markup)', () => {
  it('without a config, offers the example schedules and simulates the first', () => {
    const html = renderToString(createElement(SchedulePanel));
    expect(html).toContain('Config panel');
    expect(html).toContain('resnet/resnet18_8xb16_cifar10.py');
    expect(html).toContain('MultiStepLR');
    // CIFAR-10's 50000 images, 8 GPUs × 16 from the name: floor(50000 / 128) = 390 iterations per epoch.
    expect(html).toMatch(/iterations per epoch <b>390<\/b>/);
  });

  it('follows the store config: schedulers listed; a bad scheduler shows mmengine\'s message', () => {
    const cfg = structuredClone(SCHEDULE_PRESETS[1].config);
    const view = (c: Record<string, unknown>, path: string) => renderToString(createElement(SchedulePanelView, { storeConfig: c, storePath: path }));
    const html = view(cfg, 'configs/resnet/resnet50_32xb64-warmup-coslr_in1k.py');
    expect(html).toContain('LinearLR');
    expect(html).toContain('CosineAnnealingLR');
    expect(html).toMatch(/total batch <b>2048<\/b>/);
    expect(view({ ...cfg, param_scheduler: { type: 'StepLR', step_size: 1, begin: 4, end: 4 } }, 'x.py')).toContain('end should be larger than begin, but got begin=4, end=4');
  });

  it('helpers: GPUs from config names, nice tick steps', () => {
    expect(gpusFromConfigName('configs/vision_transformer/vit-base-p16_64xb64_in1k.py')).toBe(64);
    expect(gpusFromConfigName('my_config.py')).toBeUndefined();
    expect(niceStep(300, 10)).toBe(50);
    expect(niceStep(5, 10)).toBe(0.5);
  });
});
