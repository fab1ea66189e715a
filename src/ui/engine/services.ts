/**
 * The studio's engine services: what the panels run off the UI thread, as one object the engine worker serves
 * (`engine.worker.ts`) and the page runs itself where that worker cannot start (`client.ts`). No DOM.
 *
 * - `inference`: MMPretrain's `inference_model` on the panel's model (Inference panel);
 * - `cam`: `vis_cam.py`'s CAMs (CAM panel);
 * - `model`: the module tree and `get_flops.py`'s table (Model panel);
 * - `browse`: `browse_dataset.py` on dropped files, and the results analysis' pictures (Dataset panel);
 * - `logs`: `analyze_logs.py`'s log parsing (Logs panel).
 *
 * Inference and CAM load through one {@link ModelStore}: the same model asked for by both is one copy in memory,
 * another one replaces it. The services that run tfjs share one lane (`lanes.ts`): their calls run one at a time
 * in the order sent, so an image never meets a half-loaded model and no call switches the backend under another's
 * feet; dataset browsing and log parsing run as they come (a newer page cancels an older one).
 *
 * Out of memory (`oom.ts`): a model that cannot be built or loaded, or a forward that does not fit, fails with the
 * model's size (parameters, bytes, backend) and leaves nothing allocated; on WASM a full heap throws instead of
 * breaking the backend (`guardWasmHeap`), so the next, smaller model loads.
 */
import { loadJsonLog } from '../../tools/analysis_tools/load_json_log';
import { drawResult, type PredictedSample } from '../../tools/analysis_tools/analyze_results';
import type { BrowseOptions, BrowsePhase, BrowsedSample } from '../../tools/visualization/browse_dataset';
import { MemorySource } from '../../fileio/sources';
import { tf } from '../../backends/tf';
import { transfer } from '../../utils/rpc/rpc';
import { CamSession } from '../panels/cam/camSession';
import { camTransferables, type CamConfigSource, type CamSettings } from '../panels/cam/protocol';
import { BrowseSession } from '../panels/dataset/browseSession';
import { sampleTransferables, type DroppedFiles } from '../panels/dataset/protocol';
import { InferenceSession } from '../panels/inference/session';
import type { ConfigSource } from '../panels/inference/protocol';
import { defaultInputShape, describeModel } from '../panels/model/analysis';
import { startedBackend } from '../../backends/register';
import { guardWasmHeap } from '../../backends/wasm_heap_guard';
import { buildClassifier } from '../../models/builder';
import { setBackendDirectly, startOnce, type BackendStarter } from './backends';
import { configKey, ModelStore, type CheckpointFile } from './modelStore';
import { failedForward, failedLoad, modelLabel, variableNames } from './oom';

/** Results thumbnails smaller than this (MNIST's 28 px) are enlarged by a whole factor. */
const RESULT_THUMB_HEIGHT = 96;

/** Checkpoint progress goes out at most every this many ms (and at the end). */
const PROGRESS_MS = 50;

function throttled(onProgress: ((loaded: number, total: number) => void) | undefined) {
  if (!onProgress) return undefined;
  let last = 0;
  return (loaded: number, total: number) => {
    const now = performance.now();
    if (now - last > PROGRESS_MS || loaded === total) (last = now), onProgress(loaded, total);
  };
}

export interface EngineOptions {
  /** Starts the backend a panel asks for. Default: {@link setBackendDirectly}. */
  startBackend?: BackendStarter;
}

/** The services, with their own model store and sessions. */
export function createEngineServices({ startBackend = setBackendDirectly }: EngineOptions = {}) {
  const models = new ModelStore();
  const once = startOnce(startBackend);
  /** Whether a service started a backend yet (the Model panel's analysis then runs on it). */
  let started = false;
  const start: BackendStarter = async (name) => {
    const running = await once(name);
    started = true;
    // A full WASM heap throws (out of memory, said with the model's size) instead of breaking the backend.
    guardWasmHeap(startedBackend(running.backend));
    return running;
  };
  /** `run`, with an allocation that failed in the held model's forward said in its terms (see `oom.ts`). */
  const forward = async <T>(run: () => Promise<T>): Promise<T> => {
    try {
      return await run();
    } catch (e) {
      const held = models.held;
      if (!held?.live) throw e;
      const { model, name, cfg } = held.model;
      let shape: [number, number, number] | null = null;
      try {
        shape = defaultInputShape(cfg); // the activations are counted at the config's input size
      } catch {
        shape = null;
      }
      throw failedForward(e, model, modelLabel(name, cfg), held.backend, shape);
    }
  };
  const inference = new InferenceSession(models, start);
  const cam = new CamSession(models, start);
  const browse = new BrowseSession();

  return {
    inference: {
      /** Loads a model (the checkpoint as a Blob is streamed in the worker; the page copies nothing). */
      load: (backend: string, config: ConfigSource, checkpoint: CheckpointFile | null, options: { fuseConvBn?: boolean; onProgress?: (loaded: number, total: number) => void } = {}) =>
        inference.load(backend, config, checkpoint, { fuseConvBn: options.fuseConvBn, onProgress: throttled(options.onProgress) }),
      /** One image's prediction (the bytes are the image file's; transfer them). */
      predict: (name: string, bytes: ArrayBuffer, k: number) => forward(() => inference.predict(name, new Uint8Array(bytes), k)),
      /** User class names (or null for the model's own); answers the names now in use and where they come from. */
      setClasses: (classes: string[] | null, source: string) => inference.setClasses(classes, source),
    },
    cam: {
      load: (backend: string, config: CamConfigSource, checkpoint: CheckpointFile | null) => cam.load(backend, config, checkpoint),
      image: (name: string, bytes: ArrayBuffer) => forward(() => cam.image(name, bytes)),
      /** The CAMs of `settings` on the current image; the maps come back as transferred buffers. */
      cam: async (settings: CamSettings) => {
        const result = await forward(() => cam.cam(settings));
        return transfer(result, camTransferables(result));
      },
    },
    model: {
      /**
       * The module tree and complexity table of `config` on a (1, C, H, W) input: of the model held when it is
       * this config's (unfused, on the running backend), else of one built for it (no weights initialised).
       * `name` (the config's file) names the model when it does not fit.
       */
      analyze: async (config: Record<string, unknown>, inputShape: [number, number, number], name = 'the config') => {
        // The first tfjs work of the engine: on WASM (as the Model panel's own worker measured).
        if (!started) await start('wasm');
        const held = models.held;
        if (held && !held.fusedConvBn && held.backend === tf.getBackend() && held.configKey === configKey(config)) return describeModel(held.model.model, inputShape);
        // `analyzeModel`, with a model that does not fit said in its terms and nothing of it left allocated.
        const t0 = performance.now();
        const backend = tf.getBackend();
        const before = variableNames();
        let model;
        try {
          model = buildClassifier(config, { seed: null });
        } catch (e) {
          throw await failedLoad(e, before, { name, dict: config }, backend);
        }
        try {
          return describeModel(model, inputShape, t0);
        } catch (e) {
          throw failedForward(e, model, modelLabel(name, config), backend, inputShape);
        } finally {
          model.dispose();
        }
      },
    },
    browse: {
      /** Mounts the dropped files (replacing earlier ones); what was recognised, or null. */
      setDrop: (files: DroppedFiles) => browse.setDrop(new MemorySource(new Map(files), 'dropped files')),
      open: (cfg: Record<string, unknown> | null, phase: BrowsePhase) => browse.open(cfg, phase),
      /**
       * Draws the samples of `indices`, each handed to `onProgress` as soon as it is ready (its pixels
       * transferred); false when a newer page or open cancelled it. `pinned`: [index, parameters] to replay.
       */
      page: (indices: number[], opts: BrowseOptions, pinned: [number, Record<string, unknown>][], options: { onProgress?: (sample: BrowsedSample) => void } = {}) => {
        const pins = new Map(pinned);
        return browse.page(indices, opts, (s) => options.onProgress?.(transfer(s, sampleTransferables(s))), (i) => pins.get(i));
      },
      /** A results sample drawn as analyze_results does (image, ground truth, prediction). */
      drawResult: async (sample: PredictedSample) => {
        const source = browse.imageSource();
        if (!source) throw new Error('open the dataset first');
        const frame = (await drawResult(source, sample, null, RESULT_THUMB_HEIGHT)).frame;
        return transfer(frame, [frame.data.buffer as ArrayBuffer]);
      },
    },
    logs: {
      /** `loadJsonLog(text, name)`: a dropped scalars.json / *.log.json parsed. */
      parse: (name: string, text: string) => loadJsonLog(text, name),
    },
    /** The engine's tfjs tensor count and the models built so far (tests; the devtools: `engine().memory()`). */
    memory: () => ({ numTensors: tf.memory().numTensors, modelLoads: models.loads }),
  };
}

export type EngineServices = ReturnType<typeof createEngineServices>;
