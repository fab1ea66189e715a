import { processIO, UsageError, type CliIO } from './command';
import { commandNames, commandSummary, loadCommand } from './command_loader';
import { closestNames } from '../utils/closest';

export { commandNames, loadCommand };

async function help(io: CliIO): Promise<void> {
  const lines = ['Usage: mmpretrain-web <command> [options]', '', 'Commands:'];
  for (const name of commandNames()) lines.push(`  ${name.padEnd(18)} ${await commandSummary(name)}`);
  lines.push('', "Run 'mmpretrain-web <command> --help' for a command's options.");
  io.out(lines.join('\n'));
}

/** Runs the CLI with `argv` (without node and script); returns the exit code. */
export async function main(argv: string[], io: CliIO = processIO): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h') {
    await help(io);
    return name ? 0 : 1;
  }
  const names = commandNames();
  if (!names.includes(name)) {
    const close = closestNames(name, names);
    io.err(`mmpretrain-web: unknown command '${name}'${close.length ? ` — did you mean ${close.join(', ')}?` : ''}`);
    return 2;
  }
  const cmd = await loadCommand(name);
  if (rest.includes('--help') || rest.includes('-h')) {
    io.out(cmd.usage);
    return 0;
  }
  try {
    return await cmd.run(rest, io);
  } catch (e) {
    if (e instanceof UsageError) {
      io.err(`mmpretrain-web ${name}: ${e.message}\n\n${cmd.usage}`);
      return 2;
    }
    io.err(`mmpretrain-web ${name}: ${e instanceof Error ? e.message : String(e)}`);
    return 1;
  }
}
