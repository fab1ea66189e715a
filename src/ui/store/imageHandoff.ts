/**
 * Hands one image from a panel to another (the Dataset panel's samples and the Inference panel's results to the
 * CAM panel): the picture (an encoded file, or RGBA pixels), where it came from, its labels and, optionally, the
 * model that classified it. The receiver `take()`s it once. No React here: the store is plain zustand.
 */
import { create } from 'zustand';

/** An encoded image file (JPEG, PNG… as dropped), or decoded RGBA pixels (a dataset sample). */
export type HandoffPicture = { kind: 'encoded'; bytes: ArrayBuffer } | { kind: 'rgba'; data: Uint8ClampedArray | Uint8Array; width: number; height: number };

/** A class of the image: its index and, when known, its name (and the score of a prediction). */
export interface HandoffLabel {
  index: number;
  name?: string;
  score?: number;
}

/** A model as the sending panel had it: a config dict and the checkpoint bytes (null: init_cfg weights). */
export interface HandoffModel {
  /** Shown in the receiver (`lenet5_1xb32-sgd-coslr-3e_fashion-mnist`, `resnet18_cifar_w16_cfg.json`). */
  name: string;
  config: Record<string, unknown>;
  checkpoint: { name: string; bytes: ArrayBuffer } | null;
}

/** The panels that send images. */
export type HandoffSource = 'dataset' | 'inference';

export interface HandoffImage {
  source: HandoffSource;
  /** File name (`dog.jpg`, `3.png` for an in-memory dataset sample). */
  name: string;
  picture: HandoffPicture;
  /** Ground truth (a dataset sample). */
  groundTruth?: HandoffLabel | null;
  /** The sender's prediction (an inference result). */
  predicted?: HandoffLabel | null;
  /** The model that made `predicted`, when the sender has one. */
  model?: HandoffModel | null;
  /** Why the sender's model could not come along (shown by the receiver). */
  note?: string;
}

export interface HandoffData {
  /** The image waiting for its receiver, or null. */
  pending: HandoffImage | null;
  /** Bumped by every `send` (a mounted receiver reacts to it). */
  serial: number;
}

export interface HandoffActions {
  /** Queues `image` (replacing a waiting one); throws on an empty or malformed picture. */
  send(image: HandoffImage): void;
  /** The waiting image, removed from the store; null when none. */
  take(): HandoffImage | null;
}

export type HandoffState = HandoffData & HandoffActions;

export const initialHandoffData: HandoffData = { pending: null, serial: 0 };

/** Throws a message naming the image when its picture cannot be an image. */
export function checkHandoff(image: HandoffImage): void {
  const what = `image hand-off from the ${image.source} panel (${image.name || 'no name'})`;
  if (!image.name) throw new Error(`${what}: no file name`);
  const p = image.picture;
  if (p.kind === 'encoded') {
    if (p.bytes.byteLength === 0) throw new Error(`${what}: the file is empty (0 bytes)`);
    return;
  }
  if (!(Number.isInteger(p.width) && Number.isInteger(p.height) && p.width > 0 && p.height > 0)) throw new Error(`${what}: bad size ${p.width}×${p.height}`);
  if (p.data.length !== p.width * p.height * 4) throw new Error(`${what}: ${p.data.length} bytes is not RGBA ${p.width}×${p.height} (${p.width * p.height * 4} bytes)`);
}

/** A fresh hand-off store (tests); the studio uses {@link useImageHandoff}. */
export function createImageHandoff() {
  return create<HandoffState>()((set, get) => ({
    ...initialHandoffData,
    send: (image) => {
      checkHandoff(image);
      set((s) => ({ pending: image, serial: s.serial + 1 }));
    },
    take: () => {
      const image = get().pending;
      if (image) set({ pending: null });
      return image;
    },
  }));
}

/** The studio's image hand-off between panels. */
export const useImageHandoff = createImageHandoff();
