/** The `reason` of the ChannelError that `run` throws ('none' when it throws nothing). */
import { ChannelError } from '../../src/swarm/channel/channel-error.js';

export function reasonOf(run: () => unknown): string {
  try {
    run();
  } catch (error) {
    if (error instanceof ChannelError) return error.reason;
    throw error;
  }
  return 'none';
}

export async function reasonOfAsync(run: () => Promise<unknown>): Promise<string> {
  try {
    await run();
  } catch (error) {
    if (error instanceof ChannelError) return error.reason;
    throw error;
  }
  return 'none';
}
