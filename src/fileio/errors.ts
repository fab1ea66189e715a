/**
 * Every problem met while reading or writing a checkpoint: the message names the file and what is wrong
 * ("resnet.pth: data.pkl is truncated at byte 1234 (expected 5678)"), so the UI and CLI can show it as is.
 */
export class CheckpointError extends Error {
  override readonly name = 'CheckpointError';
  constructor(
    /** File (or display) name of the checkpoint. */
    readonly file: string,
    /** The problem, without the file name. */
    readonly problem: string,
  ) {
    super(`${file}: ${problem}`);
  }
}

/** Raised by the unpickler when the pickle runs past the bytes it was given (the caller may retry with more). */
export class PickleTruncatedError extends Error {
  override readonly name = 'PickleTruncatedError';
  constructor(readonly position: number, readonly needed: number) {
    super(`pickle data ends at byte ${position} where ${needed} more byte(s) were expected (truncated file?)`);
  }
}
