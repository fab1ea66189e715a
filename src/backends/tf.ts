/**
 * The engine's single entry to tfjs: ops from tfjs-core, every op's gradient (registered here: tfjs-core alone
 * registers none) and the CPU backend, which is always present.
 * Engine code imports `tf` from here; the WASM, WebGL and WebGPU backends are registered on demand by
 * `backends/register.ts` (through `initBackends` in `backends/select.ts`).
 */
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-core/dist/register_all_gradients';
import '@tensorflow/tfjs-backend-cpu';

export { tf };
export type { Tensor, Tensor1D, Tensor2D, Tensor3D, Tensor4D, Rank, Variable, NamedTensorMap } from '@tensorflow/tfjs-core';
