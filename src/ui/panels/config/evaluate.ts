/** Loads the chosen config with the panel's cfg-options and turns every failure into a located, displayable error. */
import { ConfigError, dumpConfig, loadConfig, mergeCfgOptions, parseCfgOptions, type ConfigDict, type VirtualFS } from '../../../config';

/** A config problem at a place: the file (or `--cfg-options`), 1-based line and column (0 when unknown). */
export interface LocatedError {
  file: string;
  line: number;
  column: number;
  message: string;
  /** The offending source line, when the file and line are known. */
  sourceLine?: string;
}

export type PanelResult =
  | { ok: true; cfg: ConfigDict; python: string; filesRead: string[]; options: string[] }
  | { ok: false; error: LocatedError };

/** The pseudo-file name of the cfg-options box in error messages. */
export const OPTIONS_FILE = '--cfg-options';

/** Lines of the cfg-options box that hold an option (blank lines and `#` comments skipped), with their line numbers. */
export function optionLines(text: string): { line: number; option: string }[] {
  return text
    .split('\n')
    .map((raw, i) => ({ line: i + 1, option: raw.trim() }))
    .filter((l) => l.option !== '' && !l.option.startsWith('#'));
}

function sourceLineOf(text: string, line: number): string | undefined {
  return line > 0 ? text.split('\n')[line - 1] : undefined;
}

/** Checks each option line alone so an error names its line in the box. */
function checkOptions(text: string): LocatedError | null {
  for (const { line, option } of optionLines(text)) {
    try {
      parseCfgOptions([option]);
    } catch (e) {
      const raw = text.split('\n')[line - 1]!;
      return { file: OPTIONS_FILE, line, column: raw.indexOf(option) + 1, message: e instanceof Error ? e.message : String(e), sourceLine: raw };
    }
  }
  return null;
}

/** Finds the first option line that fails to merge into the config (options apply in order). */
function locateMergeError(fs: VirtualFS, path: string, text: string): LocatedError | null {
  let cfg = loadConfig(path, fs).cfg;
  for (const { line, option } of optionLines(text)) {
    try {
      cfg = mergeCfgOptions(cfg, parseCfgOptions([option]));
    } catch (e) {
      const raw = text.split('\n')[line - 1]!;
      return { file: OPTIONS_FILE, line, column: raw.indexOf(option) + 1, message: e instanceof Error ? e.message : String(e), sourceLine: raw };
    }
  }
  return null;
}

/** Loads `path` from `fs` with the options box's overrides; never throws. */
export function evaluatePanelConfig(fs: VirtualFS, path: string, optionsText: string): PanelResult {
  const optionError = checkOptions(optionsText);
  if (optionError) return { ok: false, error: optionError };
  const options = optionLines(optionsText).map((l) => l.option);
  try {
    const loaded = loadConfig(path, fs, { cfgOptions: options.length ? options : undefined });
    return { ok: true, cfg: loaded.cfg, python: dumpConfig(loaded.cfg), filesRead: loaded.filesRead, options };
  } catch (e) {
    if (e instanceof ConfigError && e.file === OPTIONS_FILE) {
      try {
        const located = locateMergeError(fs, path, optionsText);
        if (located) return { ok: false, error: located };
      } catch {
        // The config itself fails: fall through to its own error.
      }
    }
    if (e instanceof ConfigError) {
      let sourceLine: string | undefined;
      try {
        sourceLine = e.file !== OPTIONS_FILE && fs.exists(e.file) ? sourceLineOf(fs.read(e.file), e.line) : undefined;
      } catch {
        sourceLine = undefined;
      }
      return { ok: false, error: { file: e.file, line: e.line, column: e.column, message: e.detail, sourceLine } };
    }
    return { ok: false, error: { file: path, line: 0, column: 0, message: e instanceof Error ? e.message : String(e) } };
  }
}
