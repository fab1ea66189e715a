/**
 * `mmpretrain-web explain-name <name> [--json]`: splits a config, model or checkpoint name into MMPretrain's naming
 * parts (algorithm, module, pretrain, training, data) and explains each.
 */
import { parseCliArgs, UsageError, type CliCommand, type CliIO } from '../command';
import { explainName, type NameExplanation } from '../../config';

const usage = `Usage: mmpretrain-web explain-name <name> [--json]

Explains a config, model or checkpoint name by MMPretrain's naming convention:
{algorithm}_{module}_{pretrain}_{training}_{data}, checkpoints {name}_{YYYYMMDD}-{hash8}.pth.

  <name>    e.g. beit_beit-base-p16_8xb256-amp-coslr-300e_in1k, configs/resnet/resnet50_8xb32_in1k.py,
            resnet50_8xb32_in1k_20210831-ea4938fc.pth
  --json    print the explanation as JSON`;

function formatExplanation(e: NameExplanation): string {
  const rows: [string, string | undefined][] = [
    ['name', `${e.name} (${e.kind})`],
    ['algorithm', e.algorithm ?? '-'],
    ['module', e.module || '-'],
    ['pretrain', e.pretrain ?? '-'],
    ['training', e.training ?? '-'],
    ['data', e.data ?? '-'],
  ];
  if (e.extra.length) rows.push(['other parts', e.extra.join(', ')]);
  const lines = rows.map(([k, v]) => `${k.padEnd(12)}${v}`);
  lines.push('', ...e.notes.map((n) => `- ${n}`));
  return lines.join('\n');
}

const explainNameCommand: CliCommand = {
  summary: "Explain a config/model/checkpoint name by MMPretrain's naming convention",
  usage,
  async run(args: string[], io: CliIO): Promise<number> {
    const parsed = parseCliArgs({ args, allowPositionals: true, options: { json: { type: 'boolean' } } });
    if (parsed.positionals.length !== 1) throw new UsageError('expected exactly one name');
    const e = explainName(parsed.positionals[0]);
    io.out(parsed.values.json ? JSON.stringify(e, null, 2) : formatExplanation(e));
    return 0;
  },
};

export default explainNameCommand;
