/**
 * `mmpretrain-web bench-train`: training-step throughput (forward, backward, SGD update) of ResNet-18-CIFAR on
 * tfjs's WASM backend with the training kernels this project adds, beside PyTorch CPU (as many threads) when
 * a Python with torch is found. A benchmark, not a test: numbers vary per machine and load.
 */
import { spawnSync } from 'node:child_process';
import { parseArgs } from 'node:util';
import { tf } from '../../backends/tf';
import { registerTrainingKernels } from '../../engine/kernels/register_training_kernels';
import { buildOptimWrapper } from '../../engine/optimizers/default_constructor';
import { ClassifierRunnerModel } from '../../engine/runner/classifier_model';
import { buildClassifier } from '../../models/builder';
import { useBackend } from '../../models/node';
import { registerAll } from '../../engine/setup_env';
import { findPython } from '../python';
import { UsageError, type CliCommand } from '../command';
import { MODELS, table, tfjsRuntimeLabel, torchEnv, TORCH_RESNETS, type BenchRow } from './bench-models';

/** PyTorch's training step on the same ResNet-18-CIFAR (definitions shared with bench-models). */
const TORCH_SCRIPT = TORCH_RESNETS + String.raw`
m = specs['resnet18_cifar'][1].train()
opt = torch.optim.SGD(m.parameters(), lr=0.1, momentum=0.9, weight_decay=1e-4)
b, min_s = int(sys.argv[1]), float(sys.argv[2])
x = torch.randn(b, 3, 32, 32); y = torch.randint(0, 10, (b,))
def step():
    opt.zero_grad(); nn.functional.cross_entropy(m(x), y).backward(); opt.step()
t0 = time.perf_counter(); step(); first = (time.perf_counter() - t0) * 1000
step(); times = []; t_start = time.perf_counter()
while True:
    t0 = time.perf_counter(); step(); times.append((time.perf_counter() - t0) * 1000)
    if time.perf_counter() - t_start >= min_s or len(times) >= 30: break
ms = sorted(times)[len(times) // 2]
print(json.dumps(dict(model='ResNet-18-CIFAR', runtime='PyTorch %s CPU (%d threads), train step' % (torch.__version__, THREADS), batch=b, first_ms=first, ms=ms, img_per_s=b * 1000 / ms)))
`;

const usage = `Usage: mmpretrain-web bench-train [--batch 32] [--steps 3] [--backend wasm|cpu] [--no-torch] [--json]

Training-step throughput of ResNet-18-CIFAR (SGD momentum, batch 32 by default) on tfjs beside PyTorch CPU:
the median step after two warm-up steps (PyTorch: after one, over 5 s or 30 steps).
Also checks that the tensor count stays flat across the timed steps.`;

const command: CliCommand = {
  summary: 'Training-step speed of ResNet-18-CIFAR on WASM beside PyTorch CPU',
  usage,
  async run(args, io) {
    const { values } = parseArgs({
      args,
      options: { batch: { type: 'string', default: '32' }, steps: { type: 'string', default: '3' }, backend: { type: 'string', default: 'wasm' }, 'no-torch': { type: 'boolean' }, json: { type: 'boolean' } },
    });
    const batch = Number(values.batch);
    const steps = Number(values.steps);
    if (!(batch > 0 && steps > 0)) throw new UsageError('--batch and --steps must be positive');
    await useBackend(values.backend!);
    registerAll();
    if (values.backend === 'wasm') registerTrainingKernels('wasm');
    const model = buildClassifier(MODELS.resnet18_cifar.cfg, { seed: 0 });
    const runnerModel = new ClassifierRunnerModel(model);
    const optim = buildOptimWrapper(model as never, { optimizer: { type: 'SGD', lr: 0.1, momentum: 0.9, weight_decay: 1e-4 } });
    const data = {
      inputs: Array.from({ length: batch }, (_, k) => ({ dtype: 'uint8', shape: [3, 32, 32], data: Uint8Array.from({ length: 3072 }, (_, i) => (i * 7 + k * 13) % 256) })),
      data_samples: Array.from({ length: batch }, (_, k) => ({ gt_label: [k % 10] })),
    };
    runnerModel.train();
    let t0 = performance.now();
    await runnerModel.trainStep(data, optim);
    const first = performance.now() - t0;
    await runnerModel.trainStep(data, optim); // the second step still grows the WASM heap
    const before = tf.memory().numTensors;
    const times: number[] = [];
    for (let s = 0; s < steps; s++) {
      t0 = performance.now();
      await runnerModel.trainStep(data, optim);
      times.push(performance.now() - t0);
    }
    const ms = times.sort((a, b) => a - b)[Math.floor(steps / 2)]; // the median step, as on the PyTorch side
    const leaked = tf.memory().numTensors - before;
    const rows: BenchRow[] = [{ model: 'ResNet-18-CIFAR', runtime: `${await tfjsRuntimeLabel(values.backend!)}, train step`, batch, first_ms: first, ms, img_per_s: (batch * 1000) / ms }];
    let note = '';
    if (!values['no-torch']) {
      const py = findPython('torch');
      if (!py) note = 'PyTorch not available (install Debian python3-torch to compare)';
      else {
        const r = spawnSync(py, ['-c', TORCH_SCRIPT, String(batch), '5'], { encoding: 'utf8', env: torchEnv() });
        if (r.status === 0) rows.push(JSON.parse(r.stdout.trim().split('\n').pop()!) as BenchRow);
        else note = `PyTorch run failed: ${(r.stderr || '').trim().split('\n').pop()}`;
      }
    }
    model.dispose();
    optim.dispose();
    if (values.json) io.out(JSON.stringify({ rows, tensorsLeakedPerRun: leaked, note }, null, 2));
    else {
      io.out(table(rows));
      io.out(`tensor count change over ${steps} steps: ${leaked}${note ? `\n${note}` : ''}`);
    }
    return 0;
  },
};

export default command;
