/**
 * Errors the CLI turns into one clear line. `UsageError` means the user asked for something
 * impossible (exit 2); `RuntimeError` means the request was fine but the world refused (exit 1).
 */
export class UsageError extends Error {
  override readonly name = 'UsageError';
  readonly exitCode = 2;
}

export class RuntimeError extends Error {
  // Subclasses (ChannelError) name themselves.
  override readonly name: string = 'RuntimeError';
  readonly exitCode = 1;
}
