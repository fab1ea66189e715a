/**
 * Conv2d.forwardResidual and the Bottleneck that uses it: on WASM in eval one kernel (MmpwConv2DResidual) adds the
 * shortcut and applies the ReLU inside a 1×1 convolution, with the CPU graph's numbers; outputs not a multiple of 8,
 * a gradient tape (CAM's backward pass, training) and a hook on conv3 take the graph, with the same numbers and
 * gradients.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { tf, type Tensor } from '../../backends/tf';
import { CONV_RESIDUAL } from '../../backends/wasm_conv/install';
import { maxRelativeError, seeded } from '../../backends/wasm_conv/conv_test_cases';
import { useBackend } from '../node';
import { registerTrainingKernels } from '../../engine/kernels/register_training_kernels';
import { Bottleneck } from '../backbones/resnet';
import { fuseConvBn } from '../utils/fuse_conv_bn';
import { Conv2d } from './conv';

beforeAll(async () => {
  await useBackend('wasm');
  registerTrainingKernels('wasm');
});

function conv(cin: number, cout: number, stride = 1): Conv2d {
  const c = new Conv2d({ in_channels: cin, out_channels: cout, kernel_size: 1, stride, bias: true });
  tf.tidy(() => {
    c.weight.assign(tf.tensor(seeded(c.weight.size, 31), c.weight.shape));
    c.bias!.assign(tf.tensor(seeded(cout, 32)));
  });
  c.eval();
  return c;
}

/** forwardResidual's values on `backend` and the kernels it ran. */
async function run(backend: 'wasm' | 'cpu', cin: number, cout: number, stride: number): Promise<{ y: Float32Array; kernels: string[] }> {
  await tf.setBackend(backend);
  const c = conv(cin, cout, stride);
  const x = tf.tensor4d(seeded(2 * 6 * 6 * cin, 33), [2, 6, 6, cin]);
  const oh = Math.ceil(6 / stride);
  const r = tf.tensor4d(seeded(2 * oh * oh * cout, 34), [2, oh, oh, cout]);
  let y: Float32Array | null = null;
  const { kernelNames } = await tf.profile(() => {
    y = tf.tidy(() => c.forwardResidual(x, r, 'relu').dataSync() as Float32Array);
  });
  tf.dispose([x, r]);
  c.dispose();
  return { y: y!, kernels: kernelNames };
}

describe('Conv2d.forwardResidual', () => {
  it.each([
    [16, 32, 1, true],
    [24, 64, 2, true], // strided (a downsampling block's own conv3 is stride 1, but the kernel takes any)
    [16, 20, 1, false], // 20 outputs: not whole 8-channel panels, the graph
  ])('%i → %i stride %i: one kernel %s, the CPU graph’s numbers', async (cin, cout, stride, fused) => {
    const want = await run('cpu', cin, cout, stride);
    const before = tf.memory().numTensors;
    const got = await run('wasm', cin, cout, stride);
    expect(got.kernels.includes(CONV_RESIDUAL)).toBe(fused);
    expect(maxRelativeError(got.y, want.y)).toBeLessThan(1e-5);
    expect(tf.memory().numTensors).toBe(before);
  });

  it('under a gradient tape runs the graph, with the CPU backend’s gradients', async () => {
    const grads = async (backend: 'wasm' | 'cpu') => {
      await tf.setBackend(backend);
      const c = conv(16, 32);
      const g = tf.tidy(() => {
        const x = tf.tensor4d(seeded(2 * 4 * 4 * 16, 35), [2, 4, 4, 16]);
        const r = tf.tensor4d(seeded(2 * 4 * 4 * 32, 36), [2, 4, 4, 32]);
        return tf.grads((a: Tensor, b: Tensor) => tf.sum(tf.square(c.forwardResidual(a, b, 'relu'))))([x, r]).map((t) => t.dataSync() as Float32Array);
      });
      c.dispose();
      return g;
    };
    const want = await grads('cpu');
    const got = await grads('wasm');
    for (let i = 0; i < want.length; i++) expect(maxRelativeError(got[i]!, want[i]!)).toBeLessThan(1e-5);
  });
});

describe('Bottleneck in eval with its norms folded', () => {
  async function block(backend: 'wasm' | 'cpu', hook: boolean): Promise<{ y: Float32Array; kernels: string[]; hooked: number }> {
    await tf.setBackend(backend);
    const b = new Bottleneck({ in_channels: 32, out_channels: 32, expansion: 4 });
    tf.tidy(() => {
      for (const [i, [, p]] of b.namedParameters().entries()) p.assign(tf.mul(tf.tensor(seeded(p.size, 40 + i), p.shape), 0.5));
    });
    b.eval();
    fuseConvBn(b);
    let hooked = 0;
    if (hook) b.child<Conv2d>('conv3').registerForwardHook(() => void hooked++);
    const x = tf.tensor4d(seeded(1 * 5 * 5 * 32, 50), [1, 5, 5, 32]);
    let y: Float32Array | null = null;
    const { kernelNames } = await tf.profile(() => {
      y = tf.tidy(() => (b.call(x) as Tensor).dataSync() as Float32Array);
    });
    x.dispose();
    b.dispose();
    return { y: y!, kernels: kernelNames, hooked };
  }

  it('adds its shortcut inside conv3 on WASM, and keeps the graph where a hook watches conv3', async () => {
    const want = await block('cpu', false);
    const fused = await block('wasm', false);
    expect(fused.kernels).toContain(CONV_RESIDUAL);
    expect(fused.kernels).not.toContain('Add');
    expect(maxRelativeError(fused.y, want.y)).toBeLessThan(1e-5);
    const watched = await block('wasm', true);
    expect(watched.kernels).not.toContain(CONV_RESIDUAL);
    expect(watched.hooked).toBe(1);
    expect(maxRelativeError(watched.y, want.y)).toBeLessThan(1e-5);
  });
});
