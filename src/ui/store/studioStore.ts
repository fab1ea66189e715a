import { create } from 'zustand';

/** A merged config as plain data (dicts as objects, lists and tuples as arrays, None as null). */
export type ConfigDict = Record<string, unknown>;

export interface StudioData {
  /** The merged config the studio works on (chosen or dropped in the Config panel), or null. */
  config: ConfigDict | null;
  /** Where that config came from (`configs/resnet/resnet18_8xb16_cifar10.py` or a dropped file name). */
  configPath: string | null;
}

export interface StudioActions {
  setConfig(config: ConfigDict | null, configPath: string | null): void;
}

export type StudioState = StudioData & StudioActions;

export const initialStudioData: StudioData = { config: null, configPath: null };

/** The studio-wide store: what several panels share. Panels select slices: `useStudioStore(s => s.config)`. */
export const useStudioStore = create<StudioState>()((set) => ({
  ...initialStudioData,
  setConfig: (config, configPath) => set({ config, configPath }),
}));
