import { parseArgs, type ParseArgsConfig } from 'node:util';

/** One sub-command of the `mmpretrain-web` CLI; each lives in `commands/<name>.ts` and default-exports this. */
export interface CliCommand {
  /** One-line description shown by `mmpretrain-web --help`. */
  summary: string;
  /** Full usage text shown by `mmpretrain-web <name> --help`. */
  usage: string;
  /** Runs the command; returns the process exit code. */
  run(args: string[], io: CliIO): Promise<number>;
}

/** Where a command writes; tests pass their own to capture output. */
export interface CliIO {
  out(text: string): void;
  err(text: string): void;
}

export const processIO: CliIO = {
  out: (text) => process.stdout.write(text.endsWith('\n') ? text : text + '\n'),
  err: (text) => process.stderr.write(text.endsWith('\n') ? text : text + '\n'),
};

/** Thrown for bad command-line usage; the message is printed with the command's usage. */
export class UsageError extends Error {}

/** node:util's `parseArgs`, with its errors (an unknown option, a missing value) as {@link UsageError}s. */
export function parseCliArgs<T extends ParseArgsConfig>(config: T): ReturnType<typeof parseArgs<T>> {
  try {
    return parseArgs(config);
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
}
