import { describe, expect, it } from 'vitest';
import { Generator, entropySeed, mixSeed } from './random';

const draws = (g: Generator, n = 8): number[] => Array.from({ length: n }, () => g.random());

describe('Generator', () => {
  it('the same seed gives the same stream, another seed another; seeds past 32 bits are folded, not cut', () => {
    expect(draws(new Generator(42))).toEqual(draws(new Generator(42)));
    expect(draws(new Generator(42))).not.toEqual(draws(new Generator(43)));
    expect(draws(new Generator(5))).not.toEqual(draws(new Generator(5 + 2 ** 32)));
    expect(draws(new Generator(-3))).toEqual(draws(new Generator(2 ** 32 - 3))); // the 32-bit pattern of -3
    const g = new Generator(7);
    const first = draws(g);
    g.seed(7);
    expect(draws(g)).toEqual(first);
    expect(() => new Generator(NaN)).toThrow(/seed must be a finite number, got NaN/);
  });

  it('getState / setState continue the stream exactly, the spare normal of the polar method included', () => {
    const g = new Generator(11);
    g.normal(); // leaves the pair's second value for the next call
    const state = g.getState();
    expect(state).toHaveLength(5);
    expect(JSON.parse(JSON.stringify(state))).toEqual(state);
    const expected = [g.normal(), g.random(), g.randint(0, 1000), g.nextSeed(), ...g.permutation(6)];
    const h = new Generator(0);
    h.setState(state);
    expect([h.normal(), h.random(), h.randint(0, 1000), h.nextSeed(), ...h.permutation(6)]).toEqual(expected);
    expect(new Generator(3).getState()).toHaveLength(4);
    expect(() => h.setState([0, 0, 0, 0])).toThrow(/four 32-bit words/);
    expect(() => h.setState([1, 2, 3])).toThrow(/four 32-bit words/);
  });

  it('random in [0, 1) with 53 bits, uniform and randint over their ranges (randint(n) is [0, n)), empty ranges refused', () => {
    const g = new Generator(1);
    const xs = draws(g, 20000);
    expect(Math.min(...xs)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...xs)).toBeLessThan(1);
    expect(xs.some((x) => x * 2 ** 32 !== Math.floor(x * 2 ** 32))).toBe(true); // finer than 32 bits
    expect(Math.abs(xs.reduce((a, b) => a + b) / xs.length - 0.5)).toBeLessThan(0.01);
    const u = g.uniformArray(5000, -2, 3);
    expect(Math.min(...u)).toBeGreaterThanOrEqual(-2);
    expect(Math.max(...u)).toBeLessThan(3);
    const seen = new Set(Array.from({ length: 2000 }, () => g.randint(3, 8)));
    expect([...seen].sort()).toEqual([3, 4, 5, 6, 7]);
    expect(new Set(Array.from({ length: 2000 }, () => g.randint(4)))).toEqual(new Set([0, 1, 2, 3]));
    expect(() => g.randint(2, 2)).toThrow(/randint: high \(2\) must be greater than low \(2\)/);
    expect(() => g.randint(0)).toThrow(/randint: high \(0\)/);
  });

  it('normal, truncated normal, gamma and beta have their moments', () => {
    const g = new Generator(2);
    const n = g.normalArray(40000, 1.5, 2);
    const mean = n.reduce((a, b) => a + b) / n.length;
    const std = Math.sqrt(n.reduce((a, b) => a + (b - mean) ** 2, 0) / n.length);
    expect(Math.abs(mean - 1.5)).toBeLessThan(0.05);
    expect(Math.abs(std - 2)).toBeLessThan(0.05);
    const t = g.truncNormalArray(5000, 0, 1, -0.5, 0.25);
    expect(Math.min(...t)).toBeGreaterThanOrEqual(-0.5);
    expect(Math.max(...t)).toBeLessThanOrEqual(0.25);
    const b = Array.from({ length: 20000 }, () => g.beta(2, 5)); // mean a / (a + b)
    expect(Math.abs(b.reduce((x, y) => x + y) / b.length - 2 / 7)).toBeLessThan(0.01);
    const gm = Array.from({ length: 20000 }, () => g.gamma(0.5)); // mean = shape
    expect(Math.abs(gm.reduce((x, y) => x + y) / gm.length - 0.5)).toBeLessThan(0.03);
  });

  it('shuffle and permutation are permutations; choice follows its (unnormalised) weights', () => {
    const g = new Generator(3);
    const p = g.permutation(50);
    expect([...p].sort((a, b) => a - b)).toEqual(Array.from({ length: 50 }, (_, i) => i));
    expect(p).not.toEqual(Array.from({ length: 50 }, (_, i) => i));
    const items = ['a', 'b', 'c', 'd'];
    expect(g.shuffle(items)).toBe(items);
    expect([...items].sort()).toEqual(['a', 'b', 'c', 'd']);
    const counts = [0, 0, 0];
    for (let i = 0; i < 30000; i++) counts[g.choice([1, 2, 7])]++;
    expect(counts.map((c) => Math.round((c / 30000) * 10))).toEqual([1, 2, 7]);
  });

  it('nextSeed gives 32-bit child seeds whose generators are unrelated', () => {
    const g = new Generator(4);
    const seeds = Array.from({ length: 100 }, () => g.nextSeed());
    expect(seeds.every((s) => Number.isInteger(s) && s >= 0 && s < 2 ** 32)).toBe(true);
    expect(new Set(seeds).size).toBe(100);
    expect(draws(new Generator(seeds[0]))).not.toEqual(draws(new Generator(seeds[1])));
  });
});

describe('mixSeed / entropySeed', () => {
  it('mixSeed is deterministic, 32-bit, and sensitive to every word and its order', () => {
    const a = mixSeed(0, 5, 1);
    expect(mixSeed(0, 5, 1)).toBe(a);
    expect(a >>> 0).toBe(a);
    const others = [mixSeed(0, 5, 2), mixSeed(0, 6, 1), mixSeed(1, 5, 1), mixSeed(0, 1, 5), mixSeed(0, 5)];
    expect(new Set([a, ...others]).size).toBe(others.length + 1);
  });
  it('entropySeed draws 32-bit seeds from the platform', () => {
    const s = [entropySeed(), entropySeed(), entropySeed()];
    expect(s.every((x) => Number.isInteger(x) && x >= 0 && x < 2 ** 32)).toBe(true);
    expect(new Set(s).size).toBeGreaterThan(1);
  });
});
