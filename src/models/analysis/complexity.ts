/**
 * Model complexity as mmengine's `get_model_complexity_info` (fvcore counting rules), used by MMPretrain's
 * `tools/analysis_tools/get_flops.py`: one multiply-add = one FLOP; counted ops are convolutions, linear
 * layers and attention matmuls, batch norm (eval: 1 or 2 per element; train: 4 or 5), layer/group norm
 * (5 per element with affine), adaptive average pooling (1 per input element), nearest upsampling (1 per output
 * element). Activations are the
 * outputs of convolutions, linear layers and matmuls. Pooling, ReLU and additions are not counted.
 */
import { tf, type Tensor } from '../../backends/tf';
import type { ImageClassifier } from '../classifiers/image';
import { Conv2d } from '../nn/conv';
import { Linear } from '../nn/linear';
import type { AnyModule } from '../nn/module';
import { BatchNorm, GroupNorm, LayerNorm } from '../nn/norm';
import { AdaptiveAvgPool2d } from '../nn/pooling';
import { MultiheadAttention } from '../utils/attention';
import { GlobalPool } from '../necks/gap';
import { Upsample } from '../utils/upsample';

const numel = (t: Tensor) => t.size;

/** FLOPs and activations of one module call, or null when the module itself counts nothing. */
function countCall(m: AnyModule, input: unknown, output: unknown): { flops: number; acts: number } | null {
  const inp = (Array.isArray(input) ? input[0] : input) as Tensor;
  const out = (Array.isArray(output) ? output[0] : output) as Tensor;
  if (m instanceof Conv2d) {
    const [kh, kw] = m.kernelSize;
    return { flops: numel(out) * (m.inChannels / m.groups) * kh * kw, acts: numel(out) };
  }
  if (m instanceof Linear) return { flops: numel(inp) * m.outFeatures, acts: numel(out) };
  if (m instanceof BatchNorm) {
    const affine = !!m.weight;
    return { flops: numel(inp) * (m.training ? (affine ? 5 : 4) : affine ? 2 : 1), acts: 0 };
  }
  if (m instanceof LayerNorm || m instanceof GroupNorm) return { flops: numel(inp) * (m.weight ? 5 : 4), acts: 0 };
  if (m instanceof AdaptiveAvgPool2d || m instanceof GlobalPool) return { flops: numel(inp), acts: 0 };
  // fvcore's `aten::upsample_nearest2d`: 1 per output element (HRNet's fuse layers).
  if (m instanceof Upsample) return { flops: numel(out), acts: 0 };
  if (m instanceof MultiheadAttention) {
    // q·kᵀ and attn·v (PyTorch 1.x `scaled_dot_product_attention_pyimpl` matmuls); qkv/proj are Linear children.
    const [b, n] = inp.shape;
    const h = m.numHeads, d = m.headDims;
    return { flops: 2 * b * h * n! * n! * d, acts: b * h * n! * n! + b * h * n! * d };
  }
  // Modules that multiply activations with each other inside (window / channel / graph attention) say how much.
  if (countsMatmuls(m) && inp instanceof tf.Tensor) return m.matmulCost([...inp.shape]);
  return null;
}

/**
 * A module whose `forward` multiplies activations with activations (q·kᵀ, attn·v) rather than through Linear or
 * Conv2d children: `matmulCost(inputShape)` gives those products' FLOPs (one multiply-add = 1) and output elements.
 */
export interface CountsMatmuls {
  matmulCost(inputShape: readonly number[]): { flops: number; acts: number };
}

function countsMatmuls(m: unknown): m is CountsMatmuls {
  return typeof (m as Partial<CountsMatmuls>).matmulCost === 'function';
}

/** Per-module totals (a module includes its descendants), keyed by dotted name ('' = model). */
export interface ComplexityStats {
  params: Map<string, number>;
  flops: Map<string, number>;
  activations: Map<string, number>;
  /** Shapes of parameters, by full name. */
  paramShapes: Map<string, number[]>;
  /** Names in fvcore's table order: parameter traversal first, then modules met only by the FLOP counter. */
  order: string[];
}

export interface ComplexityInfo {
  flops: number;
  params: number;
  activations: number;
  flopsStr: string;
  paramsStr: string;
  activationsStr: string;
  /** The per-module table as `get_flops.py` prints it (max depth 3). */
  outTable: string;
  stats: ComplexityStats;
}

/** mmengine's `_format_size`: 3 decimals, trailing zeros dropped, K/M/G/T/P above 1e2/1e5/1e8/1e11/1e14. */
export function formatSize(x: number, sigFigs = 3): string {
  const fmt = (v: number) => v.toFixed(sigFigs).replace(/0+$/, '').replace(/\.$/, '');
  const a = Math.abs(x);
  if (a > 1e14) return fmt(x / 1e15) + 'P';
  if (a > 1e11) return fmt(x / 1e12) + 'T';
  if (a > 1e8) return fmt(x / 1e9) + 'G';
  if (a > 1e5) return fmt(x / 1e6) + 'M';
  if (a > 1e2) return fmt(x / 1e3) + 'K';
  return String(x);
}

function ancestors(name: string): string[] {
  const parts = name ? name.split('.') : [];
  return Array.from({ length: parts.length + 1 }, (_, i) => parts.slice(0, i).join('.'));
}

/** Runs `extract_feat` once on a (1, C, H, W) input with counting hooks; the model is left as it was. */
export function collectComplexity(model: ImageClassifier, inputShape: [number, number, number]): ComplexityStats {
  const params = new Map<string, number>();
  const paramShapes = new Map<string, number[]>();
  const order: string[] = [];
  const seen = new Set<string>();
  const note = (n: string) => {
    if (!seen.has(n)) {
      seen.add(n);
      order.push(n);
    }
  };
  for (const [pname, v] of model.namedParameters()) {
    const parts = pname.split('.');
    for (const a of ancestors(parts.slice(0, -1).join('.'))) {
      params.set(a, (params.get(a) ?? 0) + v.size);
      note(a);
    }
    paramShapes.set(pname, [...v.shape]);
    note(pname);
  }
  const flops = new Map<string, number>();
  const activations = new Map<string, number>();
  const removers: (() => void)[] = [];
  for (const [name, m] of model.namedModules()) {
    removers.push(
      m.registerForwardHook((mod, input, output) => {
        const c = countCall(mod, input, output);
        if (!c) return;
        for (const a of ancestors(name)) {
          flops.set(a, (flops.get(a) ?? 0) + c.flops);
          activations.set(a, (activations.get(a) ?? 0) + c.acts);
          note(a);
        }
      }),
    );
  }
  const wasTraining = model.training;
  model.eval();
  try {
    tf.tidy(() => {
      model.extractFeat(tf.zeros([1, ...inputShape]), 'neck');
    });
  } finally {
    removers.forEach((r) => r());
    model.train(wasTraining);
  }
  return { params, flops, activations, paramShapes, order };
}

/** fvcore's statistics table (`complexity_stats_table`, max depth 3, parameter shapes shown). */
export function complexityTable(stats: ComplexityStats, maxDepth = 3): string {
  const children = new Map<string, string[]>();
  for (const n of stats.order) {
    if (!n) continue;
    const parent = n.includes('.') ? n.slice(0, n.lastIndexOf('.')) : '';
    if (!children.has(parent)) children.set(parent, []);
    children.get(parent)!.push(n);
  }
  const isParam = (n: string) => stats.paramShapes.has(n);
  const cell = (m: Map<string, number>, n: string) => (m.has(n) ? formatSize(m.get(n)!) : '');
  const rows: [string, string, string, string][] = [];
  const visit = (name: string, lvl: number) => {
    // Fast-forward through modules with a single child module and no own parameters (`head` → `head.fc`).
    let n = name;
    for (;;) {
      const kids = children.get(n) ?? [];
      if (n && kids.length === 1 && !isParam(kids[0])) n = kids[0];
      else break;
    }
    const pad = ' '.repeat(lvl);
    const label = n || 'model';
    if (isParam(n)) rows.push([pad + label, pad + `(${stats.paramShapes.get(n)!.join(', ')}${stats.paramShapes.get(n)!.length === 1 ? ',' : ''})`, '', '']);
    else rows.push([pad + label, pad + cell(stats.params, n), pad + cell(stats.flops, n), pad + cell(stats.activations, n)].map((c) => (c.trim() ? c : '')) as [string, string, string, string]);
    if (lvl >= maxDepth) return;
    for (const k of children.get(n) ?? []) visit(k, lvl + 1);
  };
  visit('', 0);
  const head = ['module', '#parameters or shape', '#flops', '#activations'];
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const border = '+' + widths.map((w) => '-'.repeat(w + 2)).join('+') + '+';
  const line = (cells: string[]) => '| ' + cells.map((c, i) => c.padEnd(widths[i])).join(' | ') + ' |';
  return [border, line(head), border, ...rows.map(line), border].join('\n');
}

/** `get_model_complexity_info(model, input_shape)` on `extract_feat` (backbone + neck), as `get_flops.py`. */
export function getModelComplexityInfo(model: ImageClassifier, inputShape: [number, number, number]): ComplexityInfo {
  const stats = collectComplexity(model, inputShape);
  const flops = stats.flops.get('') ?? 0;
  const params = stats.params.get('') ?? 0;
  const activations = stats.activations.get('') ?? 0;
  return { flops, params, activations, flopsStr: formatSize(flops), paramsStr: formatSize(params), activationsStr: formatSize(activations), outTable: complexityTable(stats), stats };
}
