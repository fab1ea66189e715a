/**
 * The training worker's memory (tfjs tensors and bytes, its JS heap where the browser reports it), as its last
 * progress message said: a tiny store of its own so the status bar can show it without loading the Train panel.
 */
import { create } from 'zustand';
import type { WorkerMemory } from '../../../engine/runner/worker_protocol';

export const useWorkerMemory = create<{ memory: WorkerMemory | null }>()(() => ({ memory: null }));

export function setWorkerMemory(memory: WorkerMemory | null): void {
  if (useWorkerMemory.getState().memory !== memory) useWorkerMemory.setState({ memory });
}
