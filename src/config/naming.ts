/**
 * MMPretrain's naming convention (docs/en/advanced_guides/convention.md):
 * `{algorithm info}_{module info}_{pretrain info}_{training info}_{data info}`, parts joined by `_`, words inside
 * a part by `-`; configs may be `{module}_headless`; checkpoints are `{model name}_{YYYYMMDD}-{hash8}.pth`.
 */

/** What a config, model or checkpoint name says. */
export interface NameExplanation {
  /** The name as given (folder and extension removed). */
  name: string;
  /** `checkpoint` for `..._{date}-{hash}.pth`, `config` for `.py`, else `model`. */
  kind: 'config' | 'checkpoint' | 'model';
  /** Main algorithm (`beit`, `swav`, `mae`); absent for plain supervised classification. */
  algorithm?: string;
  /** Module (backbone) information, e.g. `resnet50`, `vit-base-p16`. */
  module: string;
  /** Pre-training information, ending in `-pre` (e.g. `clip-openai-pre`). */
  pretrain?: string;
  /** Training information (e.g. `8xb32-coslr-200e`, `3rdparty`). */
  training?: string;
  /** Data information (e.g. `in1k`, `in1k-384px`, `cifar100`). */
  data?: string;
  /** Parts that fit none of the fields (e.g. `deploy`), kept in order. */
  extra: string[];
  details: NameDetails;
  /** One readable line per fact, for display. */
  notes: string[];
}

export interface NameDetails {
  gpus?: number;
  batchPerGpu?: number;
  /** gpus × batch per GPU. */
  totalBatch?: number;
  /** `ft` (fine-tuning) or `pt` (pre-training) config. */
  trainingType?: 'ft' | 'pt';
  /** Converted from a third-party repository (`3rdparty`). */
  thirdParty: boolean;
  epochs?: number;
  iters?: number;
  /** Training-recipe words with their meanings, in order (`coslr` → cosine annealing LR, ...). */
  recipe: { word: string; meaning: string }[];
  pretrainMethod?: string;
  pretrainSource?: string;
  pretrainData?: string;
  pretrainEpochs?: number;
  /** Dataset name in words (`ImageNet-1k`). */
  dataset?: string;
  /** Input size (square side) in pixels. */
  inputSize?: number;
  /** Multi-crop input sizes (`224-96` → [224, 96]). */
  cropSizes?: number[];
  /** A `{module}_headless` config: backbone only, no head or dataset. */
  headless: boolean;
  /** Checkpoint date `YYYY-MM-DD`. */
  date?: string;
  /** Checkpoint hash (first 8 hex digits of the file's sha256). */
  hash?: string;
}

const ALGORITHMS = new Set([
  'barlowtwins', 'beit', 'beitv2', 'byol', 'cae', 'densecl', 'eva', 'eva-mae-style', 'itpn', 'mae', 'maskfeat', 'milan',
  'mixmim', 'mocov2', 'mocov3', 'mff', 'simclr', 'simmim', 'simsiam', 'spark', 'swav', 'arcface', 'clip', 'blip',
  'blip2', 'flamingo', 'llava', 'minigpt4', 'ofa', 'otter', 'chinese-clip', 'glip', 'xcit', 'deit3-distill',
]);

/** Parts that qualify the module (a variant of the model), not an algorithm. */
const MODULE_VARIANTS: Record<string, string> = {
  deploy: 're-parameterized deploy-mode model (structural re-parameterization fused)',
  headless: 'backbone only: no head and no dataset settings',
};

const RECIPE_WORDS: Record<string, string> = {
  amp: 'automatic mixed-precision training',
  fp16: 'float16 mixed-precision training',
  coslr: 'cosine annealing learning-rate schedule',
  cos: 'cosine annealing learning-rate schedule',
  steplr: 'step learning-rate schedule',
  step: 'step learning-rate schedule',
  linearlr: 'linear learning-rate schedule',
  warmup: 'learning-rate warm-up',
  lbs: 'label smoothing loss',
  mixup: 'Mixup batch augmentation',
  cutmix: 'CutMix batch augmentation',
  autoaug: 'AutoAugment data augmentation',
  randaug: 'RandAugment data augmentation',
  rsb: 'ResNet strikes back recipe',
  mcrop: 'multi-crop augmentation',
  lars: 'LARS optimizer',
  adamw: 'AdamW optimizer',
  sgd: 'SGD optimizer',
  lamb: 'LAMB optimizer',
  ema: 'exponential moving average of weights',
  nomixup: 'without Mixup',
  noscale: 'no learning-rate scaling',
  ft: 'fine-tuning config',
  pt: 'pre-training config',
  distill: 'knowledge distillation',
  ls: 'label smoothing loss',
  prompt: 'prompt tuning',
};

const PRETRAIN_METHODS = new Set(['clip', 'mae', 'distill', 'beit', 'beitv2', 'eva', 'simmim', 'mocov3', 'dino', 'dinov2', 'swav', 'in21k', 'sam', 'deit', 'ssl', 'swsl', 'semi', 'mim', 'milan', 'itpn', 'cae', 'mixmim', 'blip', 'openclip']);
const PRETRAIN_SOURCES = new Set(['openai', 'fb', 'ms', 'google', 'laion', 'meta', 'microsoft', 'timm', 'official', 'openmmlab', 'baai', 'hf']);

/** Dataset words (longest first, several may contain `-`). */
const DATASETS: [string, string, number?][] = [
  ['fashion-mnist', 'Fashion-MNIST', 28],
  ['in21k', 'ImageNet-21k (ImageNet-22k)', 224],
  ['in1k', 'ImageNet-1k', 224],
  ['imagenet', 'ImageNet', 224],
  ['cifar100', 'CIFAR-100', 32],
  ['cifar10', 'CIFAR-10', 32],
  ['cifar', 'CIFAR', 32],
  ['mnist', 'MNIST', 28],
  ['cub', 'CUB-200-2011', 448],
  ['coco', 'COCO', undefined],
  ['voc', 'PASCAL VOC', undefined],
  ['inshop', 'In-shop Clothes Retrieval', 224],
  ['laion2b', 'LAION-2B', undefined],
  ['laion400m', 'LAION-400M', undefined],
  ['places205', 'Places205', 224],
  ['flickr30k', 'Flickr30k', undefined],
  ['nocaps', 'NoCaps', undefined],
  ['vqav2', 'VQAv2', undefined],
  ['custom', 'a custom dataset', undefined],
  ['oxford-pet', 'Oxford-IIIT Pet', undefined],
  ['caltech101', 'Caltech-101', undefined],
  ['food101', 'Food-101', undefined],
];

const GPU_BATCH = /^(\d+)xb(\d+)$/;
/** `bs256`: total batch size, as `_base_` dataset and schedule files are named (`imagenet_bs32`, `cifar10_bs128`). */
const BATCH = /^bs(\d+)$/;

function isTrainingPart(part: string): boolean {
  const words = part.split('-');
  return part === '3rdparty' || GPU_BATCH.test(words[0]) || BATCH.test(words[0]) || words[0] === 'ft' || words[0] === 'pt' ||
    (words.every((w) => w in RECIPE_WORDS || /^\d+e$/.test(w) || /^\d+k?i(ter)?$/.test(w)) && words.some((w) => /^\d+e$/.test(w) || w in RECIPE_WORDS));
}

function datasetOf(part: string): [string, string, number | undefined] | undefined {
  for (const [key, label, size] of DATASETS) if (part === key || part.startsWith(`${key}-`)) return [key, label, size];
  return undefined;
}

/** Splits `name` into MMPretrain's five name parts and explains each (see {@link NameExplanation}). */
export function explainName(input: string): NameExplanation {
  let name = input.trim().replace(/\\/g, '/');
  name = name.slice(name.lastIndexOf('/') + 1);
  let kind: NameExplanation['kind'] = 'model';
  const details: NameDetails = { thirdParty: false, recipe: [], headless: false };
  const notes: string[] = [];
  if (name.endsWith('.py')) {
    kind = 'config';
    name = name.slice(0, -3);
  } else if (name.endsWith('.pth')) {
    kind = 'checkpoint';
    name = name.slice(0, -4);
  }
  const ckpt = /^(.*)_(\d{4})(\d{2})(\d{2})-([0-9a-f]{8})$/.exec(name);
  if (ckpt) {
    kind = 'checkpoint';
    name = ckpt[1];
    details.date = `${ckpt[2]}-${ckpt[3]}-${ckpt[4]}`;
    details.hash = ckpt[5];
    notes.push(`checkpoint saved on ${details.date}; hash ${details.hash} (first 8 hex digits of the file's sha256)`);
  }

  const parts = name.split('_').filter(Boolean);
  const out: NameExplanation = { name, kind, module: '', extra: [], details, notes };

  // `_base_` dataset and schedule files start with the dataset: `cifar10_bs16`, `imagenet_bs256_coslr`.
  const lead = parts.length > 1 && parts.slice(1).some((p) => BATCH.test(p)) ? datasetOf(parts[0].replace(/^fashion$/, 'fashion-mnist')) : undefined;
  if (lead) {
    const dataWords = parts[0] === 'fashion' && parts[1] === 'mnist' ? 2 : 1;
    out.data = dataWords === 2 ? 'fashion_mnist' : parts[0];
    out.training = parts.slice(dataWords).join('-');
    notes.push('a _base_ dataset or schedule config: data and training settings only');
    explainTraining(out.training, details, notes);
    explainData(dataWords === 2 ? 'fashion-mnist' : parts[0], details, notes);
    return out;
  }

  // Data information: the last part when it names a dataset (or any last part after a training part).
  let end = parts.length;
  if (parts.length > 1) {
    const last = parts[parts.length - 1];
    if (datasetOf(last) || (parts.length > 2 && isTrainingPart(parts[parts.length - 2]))) {
      out.data = last;
      end--;
    }
  }
  if (parts[end - 1] === 'headless') {
    details.headless = true;
    out.kind = 'config';
    notes.push('headless config: ' + MODULE_VARIANTS.headless);
    end--;
  }
  // Training information: the last remaining part that looks like one.
  const trainIdx = [...parts.keys()].slice(0, end).reverse().find((i) => i > 0 && isTrainingPart(parts[i]));
  let head = parts.slice(0, trainIdx ?? end);
  if (trainIdx !== undefined) {
    out.training = parts[trainIdx];
    out.extra.push(...parts.slice(trainIdx + 1, end));
  }
  // Pre-training information ends with `-pre`.
  const preIdx = head.findIndex((p, i) => i > 0 && (p.endsWith('-pre') || p === 'pre'));
  if (preIdx >= 0) {
    out.pretrain = head[preIdx];
    out.extra.push(...head.slice(preIdx + 1));
    head = head.slice(0, preIdx);
  }
  const variants = head.filter((p, i) => i > 0 && p in MODULE_VARIANTS);
  const core = head.filter((p, i) => !(i > 0 && p in MODULE_VARIANTS));
  if (core.length >= 2) {
    out.algorithm = core[0];
    out.module = core[1];
    out.extra.push(...core.slice(2));
  } else {
    out.module = core[0] ?? '';
  }
  for (const v of variants) {
    out.extra.push(v);
    notes.push(`${v}: ${MODULE_VARIANTS[v]}`);
  }

  if (out.algorithm) notes.push(`algorithm: ${out.algorithm}${ALGORITHMS.has(out.algorithm) ? '' : ' (not a known MMPretrain algorithm name)'}`);
  notes.unshift(`module (backbone): ${out.module}`);
  if (out.pretrain) explainPretrain(out.pretrain, details, notes);
  if (out.training) explainTraining(out.training, details, notes);
  if (out.data) explainData(out.data, details, notes);
  return out;
}

function explainPretrain(part: string, d: NameDetails, notes: string[]): void {
  const words = part.split('-').filter((w) => w !== 'pre');
  for (const w of words) {
    if (/^\d+e$/.test(w)) d.pretrainEpochs = Number(w.slice(0, -1));
    else if (datasetOf(w) && !d.pretrainData) d.pretrainData = w;
    else if (PRETRAIN_SOURCES.has(w) && !d.pretrainSource) d.pretrainSource = w;
    else if (!d.pretrainMethod && (PRETRAIN_METHODS.has(w) || !PRETRAIN_SOURCES.has(w))) d.pretrainMethod = w;
    else d.pretrainSource ??= w;
  }
  const bits = [
    d.pretrainMethod && `method ${d.pretrainMethod}`,
    d.pretrainSource && `from ${d.pretrainSource}`,
    d.pretrainData && `on ${datasetOf(d.pretrainData)?.[1] ?? d.pretrainData}`,
    d.pretrainEpochs && `for ${d.pretrainEpochs} epochs`,
  ].filter(Boolean);
  notes.push(`fine-tuned from a pre-trained model (${bits.join(', ')})`);
}

function explainTraining(part: string, d: NameDetails, notes: string[]): void {
  if (part === '3rdparty') {
    d.thirdParty = true;
    notes.push('3rdparty: weights converted from a third-party (e.g. official) repository, not trained with MMPretrain');
    return;
  }
  const words = part.split('-');
  for (let i = 0; i < words.length; i++) {
    const w = words[i];
    const gb = GPU_BATCH.exec(w);
    const bs = BATCH.exec(w);
    if (bs) {
      d.totalBatch = Number(bs[1]);
      notes.push(`${w}: total batch size ${d.totalBatch}`);
      continue;
    }
    if (gb) {
      d.gpus = Number(gb[1]);
      d.batchPerGpu = Number(gb[2]);
      d.totalBatch = d.gpus * d.batchPerGpu;
      notes.push(`${w}: ${d.gpus} GPUs × ${d.batchPerGpu} images per GPU = batch ${d.totalBatch}`);
    } else if (w === 'ft' || w === 'pt') {
      d.trainingType = w;
      d.recipe.push({ word: w, meaning: RECIPE_WORDS[w] });
    } else if (/^\d+e$/.test(w)) {
      d.epochs = Number(w.slice(0, -1));
      notes.push(`${w}: trained for ${d.epochs} epochs`);
    } else if (/^\d+k?i(ter)?$/.test(w)) {
      d.iters = Number(w.replace(/k?i(ter)?$/, '')) * (/k/.test(w) ? 1000 : 1);
      notes.push(`${w}: trained for ${d.iters} iterations`);
    } else if (w === 'mcrop' && /^\d+$/.test(words[i + 1] ?? '')) {
      const counts: number[] = [];
      while (/^\d+$/.test(words[i + 1] ?? '')) counts.push(Number(words[++i]));
      d.recipe.push({ word: `mcrop-${counts.join('-')}`, meaning: `multi-crop augmentation (${counts.join(' + ')} crops)` });
    } else {
      d.recipe.push({ word: w, meaning: RECIPE_WORDS[w] ?? 'training recipe detail' });
    }
  }
  for (const r of d.recipe) notes.push(`${r.word}: ${r.meaning}`);
}

function explainData(part: string, d: NameDetails, notes: string[]): void {
  const ds = datasetOf(part);
  const rest = ds ? part.slice(ds[0].length).split('-').filter(Boolean) : part.split('-').slice(1);
  d.dataset = ds ? ds[1] : part.split('-')[0];
  const sizes = rest.map((w) => /^(\d+)(px)?$/.exec(w)).filter((m): m is RegExpExecArray => m !== null).map((m) => Number(m[1]));
  if (sizes.length > 1) {
    d.cropSizes = sizes;
    d.inputSize = sizes[0];
  } else if (sizes.length === 1) d.inputSize = sizes[0];
  else if (ds?.[2]) d.inputSize = ds[2];
  const size = d.cropSizes ? `multi-crop sizes ${d.cropSizes.map((s) => `${s}×${s}`).join(' and ')}` : d.inputSize ? `input ${d.inputSize}×${d.inputSize}` : 'input size not stated';
  notes.push(`${part}: dataset ${d.dataset}, ${size}`);
}
