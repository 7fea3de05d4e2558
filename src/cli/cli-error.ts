/**
 * An error the CLI reports as one line and an exit code (2: bad usage or input).
 */
export class CliError extends Error {
  override name = 'CliError';
  constructor(
    message: string,
    /** The process exit code. */
    readonly exitCode = 2,
  ) {
    super(message);
  }
}
