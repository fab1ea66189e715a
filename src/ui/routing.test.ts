import { describe, expect, it } from 'vitest';
import { PANELS } from './panels/panelList';
import { DEFAULT_PANEL, panelForHash, panelForShortcut } from './routing';

const key = (code: string, mods: Partial<Record<'altKey' | 'ctrlKey' | 'metaKey' | 'shiftKey', boolean>> = {}) => ({
  altKey: true,
  ctrlKey: false,
  metaKey: false,
  shiftKey: false,
  code,
  ...mods,
});

describe('routing', () => {
  it('maps hashes to panels, hidden ones included, and falls back to the Config panel', () => {
    expect(panelForHash('#/train').id).toBe('train');
    expect(panelForHash('#logs').id).toBe('logs');
    expect(panelForHash('#/diagnostics').id).toBe('diagnostics');
    expect(panelForHash('#/cam/extra?x=1').id).toBe('cam');
    expect(panelForHash('').id).toBe(DEFAULT_PANEL);
    expect(panelForHash('#/nope').id).toBe(DEFAULT_PANEL);
  });

  it('maps Alt+digit (by key code, any layout) to the visible panels only', () => {
    expect(panelForShortcut(key('Digit1'))?.id).toBe('inference');
    expect(panelForShortcut(key('Numpad7'))?.id).toBe('config');
    expect(panelForShortcut(key('Digit8'))?.id).toBe('model');
    expect(panelForShortcut(key('Digit0'))?.id).toBe('zoo');
    expect(panelForShortcut(key('Digit9'))).toBeNull(); // diagnostics is hidden
    expect(panelForShortcut(key('Digit1', { altKey: false }))).toBeNull();
    expect(panelForShortcut(key('Digit1', { ctrlKey: true }))).toBeNull();
    expect(panelForShortcut(key('KeyA'))).toBeNull();
  });

  it('gives every tool panel a unique id and shortcut', () => {
    const visible = PANELS.filter((p) => !p.hidden);
    expect(visible.map((p) => p.title)).toEqual(['Inference', 'Dataset', 'Train', 'CAM', 'Schedule', 'Logs', 'Config', 'Model', 'Model Zoo']);
    expect(new Set(visible.map((p) => p.key)).size).toBe(visible.length);
    expect(new Set(PANELS.map((p) => p.id)).size).toBe(PANELS.length);
  });
});
