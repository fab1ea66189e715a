/** The studio's status bar: active backend (with why), the GPU adapter, live tfjs memory, and the backend override. */
import { useEffect, useState } from 'react';
// tfjs-free imports only: the status bar is in the page's first load (`memory.ts` is loaded once tfjs is).
import { adapterLabel } from '../../backends/adapter';
import { formatBytes } from '../../backends/format_bytes';
import type { MemorySnapshot } from '../../backends/memory';
import { BACKEND_NAMES, type BackendName } from '../../backends/names';
import { startPageBackends, useBackendStore } from '../backend/pageBackends';
import { useWorkerMemory } from '../panels/train/workerMemory';

/** Re-reads `tf.memory()` on an interval (cheap: counters only), once tfjs has been loaded (`active`). */
function useLiveMemory(active: boolean, intervalMs = 500): MemorySnapshot | null {
  const [memory, setMemory] = useState<MemorySnapshot | null>(null);
  useEffect(() => {
    if (!active) return;
    let read: (() => MemorySnapshot | null) | null = null;
    void import('../../backends/memory').then((m) => (read = m.memorySnapshot));
    const id = setInterval(() => {
      const next = read?.();
      // Keep the last reading while a backend initialises; skip re-renders when nothing changed.
      if (next) setMemory((prev) => (prev && prev.numTensors === next.numTensors && prev.numBytes === next.numBytes && prev.backend === next.backend ? prev : next));
    }, intervalMs);
    return () => clearInterval(id);
  }, [active, intervalMs]);
  return memory;
}

function BackendSelect() {
  const report = useBackendStore((s) => s.report);
  const phase = useBackendStore((s) => s.phase);
  const choose = useBackendStore((s) => s.choose);
  const value = report?.source === 'user' ? report.backend : 'auto';
  // Before tfjs is loaded, a choice loads it first (then measures or switches).
  const onChange = async (next: BackendName | 'auto') => {
    if (phase === 'idle') await startPageBackends();
    if (next !== 'auto' || phase !== 'idle') await choose(next);
  };
  return (
    <label className="status-item">
      <span className="status-label">Use</span>
      <select
        aria-label="Backend choice"
        value={value}
        disabled={phase === 'starting' || (phase !== 'idle' && !report)}
        onChange={(e) => void onChange(e.target.value as BackendName | 'auto')}
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

const IDLE_TITLE = 'tfjs and its backends load when a panel computes in the page (Inference, Train, CAM, Model) or when you pick a backend here.';

export function StatusBar() {
  const phase = useBackendStore((s) => s.phase);
  const report = useBackendStore((s) => s.report);
  const error = useBackendStore((s) => s.error);
  const memory = useLiveMemory(phase !== 'idle');
  const workerMemory = useWorkerMemory((s) => s.memory);
  const timings = report
    ? Object.entries(report.timings)
        .filter(([, ms]) => Number.isFinite(ms))
        .map(([n, ms]) => `${n}: ${ms!.toFixed(1)} ms`)
        .join(' · ')
    : '';
  return (
    // A landmark, not a live region: the memory counters change twice a second and must not be announced.
    <footer className="statusbar" aria-label="Status bar">
      <span className="status-item" role="status" data-testid="status-backend" title={phase === 'idle' ? IDLE_TITLE : [report?.reason, timings && `Micro-benchmark (conv2d + matMul, ms per run): ${timings}`].filter(Boolean).join('\n')}>
        <span className="status-label">Backend</span>
        <strong>{phase === 'idle' ? 'not loaded' : phase === 'starting' ? 'choosing…' : (report?.backend ?? (phase === 'error' ? 'failed' : '—'))}</strong>
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
      {workerMemory && (
        <span className="status-item" data-testid="status-worker-memory" title="The training worker's tfjs memory and JS heap, with its last progress message">
          <span className="status-label">Train worker</span>
          <span data-testid="status-worker-tensors">{workerMemory.numTensors}</span> tensors · {formatBytes(workerMemory.numBytes)}
          {workerMemory.heapBytes !== null && <> · heap {formatBytes(workerMemory.heapBytes)}</>}
        </span>
      )}
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
