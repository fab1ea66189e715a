/** Rank and world size for the samplers (mmengine `get_dist_info`); a browser tab is one process: rank 0 of 1. */
export interface DistInfo {
  /** This process's rank. Default: 0. */
  rank?: number;
  /** Number of processes. Default: 1. */
  world_size?: number;
}

export function resolveDist(who: string, info: DistInfo = {}): { rank: number; worldSize: number } {
  const rank = info.rank ?? 0;
  const worldSize = info.world_size ?? 1;
  if (!Number.isInteger(worldSize) || worldSize < 1) throw new Error(`${who}: world_size must be a positive integer, got ${worldSize}`);
  if (!Number.isInteger(rank) || rank < 0 || rank >= worldSize) throw new Error(`${who}: rank must be in [0, ${worldSize}), got ${rank}`);
  return { rank, worldSize };
}
