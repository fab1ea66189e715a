/**
 * `bench-pipeline`: data-pipeline throughput in images/s, side by side with the same work in Python
 * (numpy + OpenCV, as mmcv does it) when a `python3` with cv2 is found:
 * - CIFAR train pipeline: RandomCrop(32, padding=4) + RandomFlip(0.5) + PackInputs on real CIFAR-10 records;
 * - ImageNet test pipeline: LoadImageFromFile (decode) + ResizeEdge(256) + CenterCrop(224) on real JPEGs.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { findPython } from '../python';
import { UsageError, type CliCommand, type CliIO } from '../command';
import { createImage, type ImageArray } from '../../image/image';
import { Compose } from '../../datasets/transforms/compose';
import { registerTransforms } from '../../datasets/transforms/register_all';
import { SHARED_DIR } from '../../testing/shared';

const usage = `Usage:
  mmpretrain-web bench-pipeline [--seconds S] [--cifar FILE] [--images DIR] [--python PY|none] [--json]

  --seconds  time budget per measurement (default 3)
  --cifar    CIFAR binary batch (default shared/data/cifar10/data_batch_1.first258.bin)
  --images   folder of JPEG/PNG images (default shared/data/images)
  --python   interpreter for the side-by-side run (default: the first python3 with cv2 and numpy; 'none' skips)
  --json     print the results as JSON`;

/** Reads CIFAR-10 binary records (label + 3072 bytes R,G,B planes) into HWC BGR images, as MMPretrain's CIFAR10. */
export function readCifarRecords(bytes: Uint8Array): ImageArray[] {
  const recordSize = 3073;
  if (bytes.length % recordSize !== 0) throw new Error(`CIFAR batch size ${bytes.length} is not a multiple of ${recordSize}`);
  const out: ImageArray[] = [];
  for (let o = 0; o < bytes.length; o += recordSize) {
    const img = createImage(32, 32, 3);
    for (let p = 0; p < 1024; p++) {
      img.data[p * 3] = bytes[o + 1 + 2048 + p];
      img.data[p * 3 + 1] = bytes[o + 1 + 1024 + p];
      img.data[p * 3 + 2] = bytes[o + 1 + p];
    }
    out.push(img);
  }
  return out;
}

interface Measurement {
  images: number;
  /** wall-clock seconds */
  seconds: number;
  imagesPerSecond: number;
  /** images per second of this process's CPU time (robust when other processes share the cores) */
  imagesPerCpuSecond: number;
}

/** Runs `step(i)` repeatedly for about `seconds` (after a short warm-up); returns images/s. */
function measure(seconds: number, step: (i: number) => void): Measurement {
  // Warm-up (JIT, caches): 50 steps or a fifth of the budget, whichever ends first.
  const warm = performance.now();
  let warmed = 0;
  while (warmed < 50 && performance.now() - warm < seconds * 200) step(warmed++);
  // Look at the clock about every millisecond of work.
  const batch = Math.max(1, Math.floor(warmed / Math.max(performance.now() - warm, 1e-3)));
  const start = performance.now();
  const cpu0 = process.cpuUsage();
  let n = 0;
  while (performance.now() - start < seconds * 1000) {
    for (let k = 0; k < batch; k++) step(n++);
  }
  const s = (performance.now() - start) / 1000;
  const cpu = process.cpuUsage(cpu0);
  const cpuSeconds = (cpu.user + cpu.system) / 1e6;
  return { images: n, seconds: s, imagesPerSecond: n / s, imagesPerCpuSecond: n / cpuSeconds };
}

const PYTHON_BENCH = String.raw`
import sys, time, json, os
import numpy as np, cv2
cv2.setNumThreads(1)
seconds = float(sys.argv[1]); cifar_path = sys.argv[2]; images = sys.argv[3:]
raw = np.fromfile(cifar_path, np.uint8).reshape(-1, 3073)
cifar = [np.ascontiguousarray(r[1:].reshape(3, 32, 32).transpose(1, 2, 0)[..., ::-1]) for r in raw]
rng = np.random.RandomState(0)
def cifar_step(i):
    img = cifar[i % len(cifar)]
    img = cv2.copyMakeBorder(img, 4, 4, 4, 4, cv2.BORDER_CONSTANT, value=0)   # mmcv.impad
    oh = rng.randint(0, 9); ow = rng.randint(0, 9)
    img = img[oh:oh + 32, ow:ow + 32]                                        # mmcv.imcrop
    if rng.rand() < 0.5: img = np.flip(img, axis=1)                          # mmcv.imflip
    return np.ascontiguousarray(img.transpose(2, 0, 1))                      # PackInputs
blobs = [np.frombuffer(open(p, 'rb').read(), np.uint8) for p in images]
def imagenet_step(i):
    img = cv2.imdecode(blobs[i % len(blobs)], cv2.IMREAD_COLOR)              # LoadImageFromFile
    h, w = img.shape[:2]
    if w < h: size = (256, int(256 * h / w))
    else: size = (int(256 * w / h), 256)
    img = cv2.resize(img, size, interpolation=cv2.INTER_LINEAR)              # ResizeEdge
    h, w = img.shape[:2]
    y1 = max(0, int(round((h - 224) / 2.))); x1 = max(0, int(round((w - 224) / 2.)))
    return img[y1:y1 + 224, x1:x1 + 224]                                     # CenterCrop
def measure(step):
    for i in range(50): step(i)
    n = 0; t0 = time.perf_counter(); c0 = time.process_time()
    while time.perf_counter() - t0 < seconds:
        for k in range(64): step(n); n += 1
    s = time.perf_counter() - t0; c = time.process_time() - c0
    return dict(images=n, seconds=s, imagesPerSecond=n / s, imagesPerCpuSecond=n / c)
print(json.dumps(dict(cifar=measure(cifar_step), imagenet=measure(imagenet_step), versions=dict(python=sys.version.split()[0], numpy=np.__version__, cv2=cv2.__version__))))
`;

const command: CliCommand = {
  summary: 'data pipeline throughput (CIFAR train, ImageNet test on real JPEGs), side by side with Python/OpenCV',
  usage,
  async run(args: string[], io: CliIO): Promise<number> {
    const { values, positionals } = parseArgs({
      args,
      options: { seconds: { type: 'string' }, cifar: { type: 'string' }, images: { type: 'string' }, python: { type: 'string' }, json: { type: 'boolean' } },
      allowPositionals: true,
    });
    if (positionals.length) throw new UsageError(`unexpected argument(s): ${positionals.join(' ')}`);
    const seconds = values.seconds === undefined ? 3 : Number(values.seconds);
    if (!(seconds > 0)) throw new UsageError(`--seconds must be positive, got '${values.seconds}'`);
    const cifarPath = values.cifar ?? join(SHARED_DIR, 'data/cifar10/data_batch_1.first258.bin');
    const imagesDir = values.images ?? join(SHARED_DIR, 'data/images');
    if (!existsSync(cifarPath)) throw new Error(`CIFAR batch not found: ${cifarPath} (pass --cifar)`);
    if (!existsSync(imagesDir)) throw new Error(`image folder not found: ${imagesDir} (pass --images)`);
    const imageFiles = readdirSync(imagesDir).filter((f) => /\.(jpe?g)$/i.test(f)).sort().map((f) => join(imagesDir, f));
    if (!imageFiles.length) throw new Error(`no JPEG images in ${imagesDir}`);

    registerTransforms();
    const cifar = readCifarRecords(new Uint8Array(readFileSync(cifarPath)));
    const cifarPipe = new Compose([
      { type: 'RandomCrop', crop_size: 32, padding: 4 },
      { type: 'RandomFlip', prob: 0.5, direction: 'horizontal' },
      { type: 'PackInputs' },
    ], { seed: 0 });
    const cifarResult = measure(seconds, (i) => {
      const img = cifar[i % cifar.length];
      cifarPipe.transform({ img, img_shape: [32, 32], ori_shape: [32, 32], gt_label: 0 });
    });

    const blobs = imageFiles.map((f) => new Uint8Array(readFileSync(f)));
    const imagenetPipe = new Compose([
      { type: 'LoadImageFromFile' },
      { type: 'ResizeEdge', scale: 256, edge: 'short' },
      { type: 'CenterCrop', crop_size: 224 },
    ], { seed: 0 });
    const imagenetResult = measure(seconds, (i) => {
      imagenetPipe.transform({ img_bytes: blobs[i % blobs.length], img_path: imageFiles[i % blobs.length] });
    });

    const py = findPython('cv2, numpy', values.python);
    let python: { cifar: Measurement; imagenet: Measurement; versions: Record<string, string> } | null = null;
    let pythonNote = py ? '' : 'no python3 with cv2 + numpy found; Python side skipped';
    if (py) {
      const r = spawnSync(py, ['-c', PYTHON_BENCH, String(seconds), cifarPath, ...imageFiles], { encoding: 'utf8', maxBuffer: 1 << 20 });
      if (r.status === 0) python = JSON.parse(r.stdout.trim().split('\n').pop()!);
      else pythonNote = `python run failed: ${r.stderr.trim().split('\n').pop()}`;
    }

    const report = {
      node: process.version,
      cifar_train: { pipeline: 'RandomCrop(32, padding=4) + RandomFlip(0.5) + PackInputs', images: cifar.length, ours: cifarResult, python: python?.cifar ?? null },
      imagenet_test: { pipeline: 'decode + ResizeEdge(256) + CenterCrop(224)', files: imageFiles.map((f) => f.split('/').pop()), ours: imagenetResult, python: python?.imagenet ?? null },
      python_versions: python?.versions ?? null,
      note: pythonNote || undefined,
    };
    if (values.json) {
      io.out(JSON.stringify(report, null, 1));
      return 0;
    }
    const num = (v: number) => Math.round(v).toLocaleString('en-US');
    const fmt = (m: Measurement | null) => (m ? `${num(m.imagesPerSecond).padStart(8)} img/s (${num(m.imagesPerCpuSecond).padStart(8)} per CPU-s)` : '—'.padStart(36));
    io.out([
      `${'pipeline'.padEnd(46)}${`mmpretrain-web, Node ${process.version}`.padEnd(40)}${python ? `Python ${python.versions.python}, OpenCV ${python.versions.cv2}` : 'Python'}`,
      `${'CIFAR train (RandomCrop pad 4, flip, pack)'.padEnd(46)}${fmt(cifarResult).padEnd(40)}${fmt(python?.cifar ?? null)}`,
      `${'ImageNet test (decode, ResizeEdge 256, crop 224)'.padEnd(46)}${fmt(imagenetResult).padEnd(40)}${fmt(python?.imagenet ?? null)}`,
      ...(pythonNote ? [pythonNote] : []),
    ].join('\n'));
    return 0;
  },
};

export default command;
