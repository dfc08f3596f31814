// An error about one dataset file: import turns these into `skipped` entries (file + reason)
// instead of failing the whole dataset; elsewhere the message names the file and the problem.
export class DataFileError extends Error {
  constructor(
    readonly file: string,
    readonly problem: string,
  ) {
    super(`${file}: ${problem}`);
    this.name = 'DataFileError';
  }
}
