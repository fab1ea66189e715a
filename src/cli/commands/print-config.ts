/**
 * `mmpretrain-web print-config <config.py> [--cfg-options K=V ...] [--json]`: MMPretrain's `tools/misc/print_config.py`
 * — the merged config as mmengine dumps it (or as JSON, like `Config.to_dict()`).
 */
import { parseCliArgs, UsageError, type CliCommand, type CliIO } from '../command';
import { ConfigError, configToJSONText, dumpConfig, extractCfgOptionsArgs, loadConfig } from '../../config';
import { NodeFS } from '../../config/node_fs';

const usage = `Usage: mmpretrain-web print-config <config.py> [--cfg-options KEY=VALUE ...] [--json]

Loads a config with its _base_ files (mmengine's Config.fromfile), applies --cfg-options and prints the whole
merged config as mmengine's Config.dump() writes it (keys sorted, dict(...) calls).

  <config.py>                 an MMPretrain config file, e.g. configs/resnet/resnet18_8xb16_cifar10.py
  --cfg-options KEY=VALUE ...  override settings: model.head.num_classes=10, a list index key
                              train_dataloader.dataset.pipeline.1.prob=0.0, lists "[a,b]", tuples "(1,3)"
  --json                      print the config as JSON (Config.to_dict(): tuples as lists, key order kept)

Environment variables fill {{$NAME:default}} templates. On an error the exit code is 1 and the message names
file:line:column.`;

const printConfig: CliCommand = {
  summary: "Print a config merged with its _base_ files and --cfg-options (tools/misc/print_config.py)",
  usage,
  async run(args: string[], io: CliIO): Promise<number> {
    let split: { rest: string[]; cfgOptions: string[] };
    try {
      split = extractCfgOptionsArgs(args);
    } catch (e) {
      throw new UsageError((e as Error).message);
    }
    const parsed = parseCliArgs({ args: split.rest, allowPositionals: true, options: { json: { type: 'boolean' } } });
    if (parsed.positionals.length !== 1) throw new UsageError('expected exactly one config file');
    const [path] = parsed.positionals;
    try {
      const { cfg } = loadConfig(path, new NodeFS(), { cfgOptions: split.cfgOptions, env: process.env });
      io.out(parsed.values.json ? configToJSONText(cfg) : dumpConfig(cfg));
      return 0;
    } catch (e) {
      if (e instanceof ConfigError) {
        io.err(e.message);
        return 1;
      }
      if (e instanceof Error && /ENOENT|No such file/.test(e.message)) {
        io.err(`${path}: no such config file`);
        return 1;
      }
      throw e;
    }
  },
};

export default printConfig;
