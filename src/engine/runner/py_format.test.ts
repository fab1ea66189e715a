import { expect, it } from 'vitest';
import { formatExp, formatTimedelta, pyFloatRepr, scalarsJsonLine } from './py_format';
it('py', () => {
  expect(formatExp(0.1, 4)).toBe('1.0000e-01');
  expect(formatTimedelta(3725)).toBe('1:02:05');
  expect(pyFloatRepr(100)).toBe('100.0');
  expect(pyFloatRepr(1e-5)).toBe('1e-05');
  expect(pyFloatRepr(0.0001)).toBe('0.0001');
  expect(pyFloatRepr(2.5e-7)).toBe('2.5e-07');
  expect(pyFloatRepr(0.0041675567626953125)).toBe('0.0041675567626953125');
  expect(scalarsJsonLine({ lr: 0.1, loss: 0.6925684213638306, epoch: 1, iter: 1, step: 1 })).toBe('{"lr": 0.1, "loss": 0.6925684213638306, "epoch": 1, "iter": 1, "step": 1}');
});
