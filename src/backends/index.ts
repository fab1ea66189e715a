/** Backends: tfjs registration, WebGPU adapter detection, the measured choice and the user override. */
export { tf } from './tf';
export { BACKEND_NAMES, GPU_BACKENDS, isBackendName, type BackendName } from './names';
export { adapterKey, adapterLabel, describeAdapter, detectWebGpuAdapter, findGpu, type AdapterReport, type GpuLike } from './adapter';
export { byPreference, pickFastest, planBackendChoice, type BackendDecision, type ChoicePlan, type RememberedChoice, type Timings } from './picker';
export { BenchmarkTimeout, microBenchmark, median, type MicroBenchmarkOptions, type MicroBenchmarkResult } from './benchmark';
export { configureWasm, ensureRegistered, wasmThreadCount, type WasmFileMap, type WasmSetup } from './register';
export { chooseBackend, forgetBackendChoice, initBackends, type BackendReport, type InitBackendOptions } from './select';
export { CHOICE_KEY, defaultChoiceStore, memoryChoiceStore, webStorageChoiceStore, type ChoiceStore } from './storage';
export { formatBytes, memorySnapshot, type MemorySnapshot } from './memory';
export { runOpOnAllBackends, type OpParityReport, type BackendOpResult } from './diagnostics';
export { applyWorkload, fixedValues, makeWorkloadInputs, runWorkload, type WorkloadSize } from './workload';
