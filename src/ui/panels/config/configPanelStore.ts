/** The Config panel's own state (kept while you switch panels): the chosen file, the cfg-options text, the drops. */
import { create } from 'zustand';
import { basenamePath } from '../../../config';
import type { DroppedFile, StudioConfigFS } from './studioFs';

export type ConfigView = 'tree' | 'python';

export interface ConfigPanelData {
  /** The chosen config's path in the virtual tree. */
  selected: string | null;
  /** The cfg-options box: one `key=value` per line. */
  optionsText: string;
  /** Placed paths of the dropped files. */
  dropped: string[];
  /** Bumped whenever files change, so the merged config is recomputed. */
  version: number;
  view: ConfigView;
}

export interface ConfigPanelActions {
  select(path: string): void;
  setOptionsText(text: string): void;
  setView(view: ConfigView): void;
  /** Adds dropped files and selects the config among them (the one that is nobody's base). */
  addDropped(fs: StudioConfigFS, files: readonly DroppedFile[]): void;
  removeDropped(fs: StudioConfigFS, path: string): void;
}

export const DEFAULT_CONFIG = 'configs/resnet/resnet18_8xb16_cifar10.py';

/** The config a drop most likely means: a `.py` outside `_base_` that has bases and that no other dropped file names. */
export function mainDroppedConfig(files: readonly DroppedFile[], placed: readonly string[]): string | null {
  const candidates = placed.filter((p) => !p.split('/').includes('_base_'));
  const named = (p: string) => files.some((f, i) => placed[i] !== p && f.text.includes(basenamePath(p)));
  const score = (p: string) => {
    const text = files[placed.indexOf(p)]!.text;
    return (/^_base_\s*=/m.test(text) ? 2 : 0) + (named(p) ? 0 : 1);
  };
  return [...candidates].sort((a, b) => score(b) - score(a))[0] ?? placed[0] ?? null;
}

export const useConfigPanelStore = create<ConfigPanelData & ConfigPanelActions>()((set, get) => ({
  selected: null,
  optionsText: '',
  dropped: [],
  version: 0,
  view: 'tree',
  select: (path) => set({ selected: path }),
  setOptionsText: (optionsText) => set({ optionsText }),
  setView: (view) => set({ view }),
  addDropped(fs, files) {
    if (files.length === 0) return;
    const placed = fs.addDropped(files);
    set({ dropped: fs.droppedPaths(), version: get().version + 1, selected: mainDroppedConfig(files, placed) ?? get().selected });
  },
  removeDropped(fs, path) {
    fs.removeDropped(path);
    const selected = get().selected === path ? null : get().selected;
    set({ dropped: fs.droppedPaths(), version: get().version + 1, selected });
  },
}));
