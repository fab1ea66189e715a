/**
 * `torch.linspace(start, end, steps)` as float32 numbers (the stochastic-depth decay rule of most backbones): PyTorch
 * fills the first half forward from `start` and the second half backward from `end`.
 */
export function linspace(start: number, end: number, steps: number): number[] {
  if (steps <= 0) return [];
  if (steps === 1) return [Math.fround(start)];
  const step = (end - start) / (steps - 1);
  return Array.from({ length: steps }, (_, i) => Math.fround(i < steps / 2 ? start + i * step : end - (steps - 1 - i) * step));
}
