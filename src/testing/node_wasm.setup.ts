/**
 * Setup of the unit tests that share a worker's modules: the WASM backend, whenever a test file starts it, is the
 * one the CLI and the benchmarks run (threaded, with the fast convolutions). Without this, the first file of a worker
 * to call `tf.setBackend('wasm')` without `useBackend` would decide, by file order, which WASM every later file gets.
 */
import { registerNodeWasm } from '../backends/node_wasm_threads';

await registerNodeWasm();
