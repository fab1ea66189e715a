/**
 * Setup of the unit tests that share a worker's modules: the WASM backend, whenever a test file starts it, is the
 * one the CLI and the benchmarks run (threaded, with the fast convolutions). Without this, the first file of a worker
 * to call `tf.setBackend('wasm')` without `useBackend` would decide, by file order, which WASM every later file gets.
 */
import { tf } from '../backends/tf';
import { registerNodeWasm } from '../backends/node_wasm_threads';

await registerNodeWasm();

// A file that makes tensors without choosing a backend gets the highest-priority one (this WASM) started, as it
// does after another file of its worker chose it, so that no file passes only after another one.
await tf.ready();
