/** The studio's status bar: active backend (with why), the GPU adapter, live tfjs memory, and the backend override. */
import { useEffect, useState } from 'react';
import { adapterLabel, BACKEND_NAMES, formatBytes, memorySnapshot, type BackendName, type MemorySnapshot } from '../../backends';
import { useBackendStore } from '../backend/pageBackends';

/** Re-reads `tf.memory()` on an interval (cheap: counters only). */
function useLiveMemory(intervalMs = 500): MemorySnapshot | null {
  const [memory, setMemory] = useState<MemorySnapshot | null>(null);
  useEffect(() => {
    const id = setInterval(() => {
      const next = memorySnapshot();
      // Keep the last reading while a backend initialises; skip re-renders when nothing changed.
      if (next) setMemory((prev) => (prev && prev.numTensors === next.numTensors && prev.numBytes === next.numBytes && prev.backend === next.backend ? prev : next));
    }, intervalMs);
    return () => clearInterval(id);
  }, [intervalMs]);
  return memory;
}

function BackendSelect() {
  const report = useBackendStore((s) => s.report);
  const phase = useBackendStore((s) => s.phase);
  const choose = useBackendStore((s) => s.choose);
  const value = report?.source === 'user' ? report.backend : 'auto';
  return (
    <label className="status-item">
      <span className="status-label">Use</span>
      <select
        aria-label="Backend choice"
        value={value}
        disabled={phase === 'starting' || !report}
        onChange={(e) => void choose(e.target.value as BackendName | 'auto')}
      >
        <option value="auto">Automatic (measured)</option>
        {BACKEND_NAMES.map((name) => (
          <option key={name} value={name} disabled={Boolean(report?.failed[name]) && !report?.available.includes(name)}>
            {name}
            {report?.failed[name] && !report.available.includes(name) ? ' (unavailable)' : ''}
          </option>
        ))}
      </select>
    </label>
  );
}

export function StatusBar() {
  const phase = useBackendStore((s) => s.phase);
  const report = useBackendStore((s) => s.report);
  const error = useBackendStore((s) => s.error);
  const memory = useLiveMemory();
  const timings = report
    ? Object.entries(report.timings)
        .filter(([, ms]) => Number.isFinite(ms))
        .map(([n, ms]) => `${n}: ${ms!.toFixed(1)} ms`)
        .join(' · ')
    : '';
  return (
    // A landmark, not a live region: the memory counters change twice a second and must not be announced.
    <footer className="statusbar" aria-label="Status bar">
      <span className="status-item" role="status" data-testid="status-backend" title={[report?.reason, timings && `Micro-benchmark (conv2d + matMul, ms per run): ${timings}`].filter(Boolean).join('\n')}>
        <span className="status-label">Backend</span>
        <strong>{phase === 'starting' ? 'choosing…' : (report?.backend ?? (phase === 'error' ? 'failed' : '—'))}</strong>
        {report?.backend === 'wasm' && report.wasmThreads !== null && (
          <span className="muted"> ({report.wasmThreads} {report.wasmThreads === 1 ? 'thread' : 'threads'})</span>
        )}
      </span>
      <span className="status-item" data-testid="status-adapter" title={report?.adapter ? JSON.stringify(report.adapter) : ''}>
        <span className="status-label">Adapter</span>
        {report ? adapterLabel(report.adapter) : '—'}
      </span>
      <span className="status-item" data-testid="status-memory">
        <span className="status-label">Memory</span>
        {memory ? (
          <>
            <span data-testid="status-tensors">{memory.numTensors}</span> tensors · {formatBytes(memory.numBytes)}
            {memory.numBytesInGPU !== undefined && <> · GPU {formatBytes(memory.numBytesInGPU)}</>}
          </>
        ) : (
          '—'
        )}
      </span>
      {error && (
        <span className="status-item status-error" role="alert">
          {error}
        </span>
      )}
      <span className="status-spacer" />
      <BackendSelect />
    </footer>
  );
}
