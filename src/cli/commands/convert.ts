import { basename, extname } from 'node:path';
import { parseCliArgs, UsageError, type CliCommand } from '../command';
import { plainMeta } from '../../fileio/meta';
import { loadCheckpointFile, writeParts } from '../../fileio/node';
import { pthParts } from '../../fileio/pth/pth_writer';
import { safetensorsParts } from '../../fileio/safetensors';
import { formatSummaryLine, summarizeCheckpoint } from '../../fileio/summary';

const usage = `Usage: mmpretrain-web convert <in.pth|in.safetensors> <out.pth|out.safetensors> [options]

Converts a checkpoint between PyTorch .pth (zip or legacy format) and .safetensors, keeping the state dict
(key names and order) and the checkpoint's meta (classes, epoch, config text…) where the format allows:
.pth output is MMPretrain's {'meta': ..., 'state_dict': OrderedDict(...)}, readable by torch.load and
load_checkpoint; .safetensors output stores meta as JSON in __metadata__.mmpretrain_meta.
Training state (optimizer, message_hub, param_schedulers) is not carried over.
The output format follows the extension: .safetensors, or .pth/.pt/.bin/.ckpt for PyTorch.

Options:
  --float32           store float16/bfloat16 weights as float32 (default: keep the stored type)
  --state-dict-only   .pth output: the bare state dict, as torch.save(model.state_dict()), without meta
  --no-meta           drop meta from the output
  --allow-forbidden   read a pickle that names code-running globals (kept inert, never run, not written)
  --keep-module       keep a 'module.' key prefix (default: stripped, as load_checkpoint's revise_keys)
  -q, --quiet         print nothing on success`;

const PTH_EXT = new Set(['.pth', '.pt', '.bin', '.ckpt', '.tar']);

function formatOf(path: string): 'pth' | 'safetensors' {
  const ext = extname(path).toLowerCase();
  if (ext === '.safetensors') return 'safetensors';
  if (PTH_EXT.has(ext)) return 'pth';
  throw new UsageError(`cannot tell the output format from '${basename(path)}': use a .pth or .safetensors extension`);
}

const command: CliCommand = {
  summary: 'convert a checkpoint between .pth and .safetensors (keeps the state dict and meta)',
  usage,
  async run(args, io) {
    const parsed = parseCliArgs({
      args,
      allowPositionals: true,
      options: {
        float32: { type: 'boolean', default: false },
        'state-dict-only': { type: 'boolean', default: false },
        'no-meta': { type: 'boolean', default: false },
        'allow-forbidden': { type: 'boolean', default: false },
        'keep-module': { type: 'boolean', default: false },
        quiet: { type: 'boolean', short: 'q', default: false },
      },
    });
    const { values: o, positionals } = parsed;
    if (positionals.length !== 2) throw new UsageError(`expected an input and an output file, got ${positionals.length} argument(s)`);
    const [input, output] = positionals;
    const format = formatOf(output);
    if (o['state-dict-only'] && format !== 'pth') throw new UsageError('--state-dict-only applies to .pth output only');
    const ck = await loadCheckpointFile(input, {
      forbidden: o['allow-forbidden'] ? 'placeholder' : 'error',
      reviseKeys: o['keep-module'] ? [] : undefined,
      stateDictOnly: true,
    });
    const { meta, dropped } = ck.meta && !o['no-meta'] ? plainMeta(ck.meta) : { meta: undefined, dropped: [] };
    const writeOpts = { keepOriginalDtype: !o.float32 };
    const parts = format === 'pth'
      ? pthParts(ck.stateDict, meta, { ...writeOpts, layout: o['state-dict-only'] ? 'state_dict' : 'checkpoint' })
      : safetensorsParts(ck.stateDict, meta, writeOpts);
    const bytes = await writeParts(output, parts);
    if (!o.quiet) {
      const summary = summarizeCheckpoint(ck);
      const lines = [formatSummaryLine(basename(input), summary)];
      if (summary.otherKeys.length) lines.push(`not carried over: ${summary.otherKeys.join(', ')}`);
      if (dropped.length) lines.push(`meta entries that cannot be stored, dropped: ${dropped.join(', ')}`);
      if (ck.forbidden.length) lines.push(`forbidden globals kept inert and not written: ${ck.forbidden.join(', ')}`);
      for (const w of ck.warnings) lines.push(`warning: ${w}`);
      lines.push(`wrote ${output} (${format}, ${bytes.toLocaleString('en-US')} bytes${meta && !o['state-dict-only'] ? ', with meta' : ''})`);
      io.out(lines.join('\n'));
    }
    return 0;
  },
};

export default command;
