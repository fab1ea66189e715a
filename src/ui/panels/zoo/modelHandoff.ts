/**
 * Hands a model chosen in the Model Zoo panel to the Inference, CAM or Train panel: its name, config (path and the
 * merged dict) and its stored checkpoint (a disk-backed Blob from the checkpoint store, never copied on the page).
 * As the image hand-off (`store/imageHandoff.ts`): the receiver `take(panel)`s it once; `serial` tells a mounted
 * receiver that one arrived. Train fine-tunes from the weights (`load_from`).
 */
import { create } from 'zustand';

export type ZooTarget = 'inference' | 'cam' | 'train';

export interface ZooModel {
  /** The index name (`resnet50_8xb32_in1k`). */
  name: string;
  /** The config path in the shipped tree (`configs/resnet/resnet50_8xb32_in1k.py`). */
  configPath: string;
  /** That config merged with its bases, as plain data. */
  config: Record<string, unknown>;
  /** The stored checkpoint (file name as released), or null (no weights downloaded). */
  checkpoint: { name: string; blob: Blob; stored: true } | null;
}

export interface ZooHandoffState {
  pending: Partial<Record<ZooTarget, ZooModel>>;
  serial: number;
  send(target: ZooTarget, model: ZooModel): void;
  take(target: ZooTarget): ZooModel | null;
}

/** A fresh store (tests); the studio uses {@link useZooHandoff}. */
export function createZooHandoff() {
  return create<ZooHandoffState>()((set, get) => ({
    pending: {},
    serial: 0,
    send: (target, model) => set((s) => ({ pending: { ...s.pending, [target]: model }, serial: s.serial + 1 })),
    take: (target) => {
      const m = get().pending[target] ?? null;
      if (m) set((s) => ({ pending: { ...s.pending, [target]: undefined } }));
      return m;
    },
  }));
}

export const useZooHandoff = createZooHandoff();
