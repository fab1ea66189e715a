import { readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { processIO, UsageError, type CliCommand, type CliIO } from './command';
import { closestNames } from '../utils/closest';

const commandsDir = join(dirname(fileURLToPath(import.meta.url)), 'commands');

/** Names of the available sub-commands: one file `commands/<name>.ts` each (tests excluded). */
export function commandNames(): string[] {
  return readdirSync(commandsDir)
    .filter((f) => f.endsWith('.ts') && !f.endsWith('.test.ts'))
    .map((f) => f.slice(0, -3))
    .sort();
}

async function loadCommand(name: string): Promise<CliCommand> {
  const mod = (await import(`./commands/${name}.ts`)) as { default: CliCommand };
  return mod.default;
}

async function help(io: CliIO): Promise<void> {
  const lines = ['Usage: mmpretrain-web <command> [options]', '', 'Commands:'];
  for (const name of commandNames()) {
    const cmd = await loadCommand(name);
    lines.push(`  ${name.padEnd(18)} ${cmd.summary}`);
  }
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
