/**
 * Where a subscriber keeps its trust records, Node only: one JSON file per channel under
 * `<dataDir>/channels/`, replaced atomically after every accepted envelope. A file that cannot
 * be read is an error the user must resolve; it is never quietly replaced by a fresh record.
 */
import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { ChannelTrustRecord, SignedEnvelope } from '../../contracts/channel.js';
import { ChannelError, shortId } from './channel-error.js';
import { acceptEnvelope, type AcceptOptions, type AcceptResult } from './channel-trust.js';
import { writeFileAtomic } from './atomic-fs.js';
import { initialTrust, parseTrustRecord } from './trust-record.js';

export interface ChannelStateStore {
  /** The file holding `channel`'s record. */
  pathOf(channel: string): string;
  /** The stored record, or a fresh one if none was ever stored; ChannelError('corrupt-state') if unreadable. */
  load(channel: string): Promise<ChannelTrustRecord>;
  save(record: ChannelTrustRecord): Promise<void>;
  /**
   * Load, accept, and save before resolving, so an envelope the caller acts on is never
   * forgotten by a crash. Calls for one channel run one after another.
   */
  accept(envelope: SignedEnvelope, now: number, options?: AcceptOptions): Promise<AcceptResult>;
}

export function createChannelStateStore(dataDir: string): ChannelStateStore {
  const dir = join(dataDir, 'channels');
  const queues = new Map<string, Promise<unknown>>();

  const pathOf = (channel: string) => {
    initialTrust(channel); // validates the id, which becomes a file name
    return join(dir, `${channel}.json`);
  };

  async function load(channel: string): Promise<ChannelTrustRecord> {
    const path = pathOf(channel);
    let text: string;
    try {
      text = await readFile(path, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return initialTrust(channel);
      throw corrupt(path, channel, (error as Error).message);
    }
    let record: ChannelTrustRecord;
    try {
      record = parseTrustRecord(JSON.parse(text));
    } catch (error) {
      throw corrupt(path, channel, (error as Error).message);
    }
    if (record.channel !== channel) throw corrupt(path, channel, 'it holds another channel');
    return record;
  }

  async function save(record: ChannelTrustRecord): Promise<void> {
    const checked = parseTrustRecord(record);
    await mkdir(dir, { recursive: true, mode: 0o700 });
    await writeFileAtomic(pathOf(checked.channel), `${JSON.stringify(checked, null, 2)}\n`);
  }

  function accept(envelope: SignedEnvelope, now: number, options?: AcceptOptions) {
    const run = async () => {
      const result = acceptEnvelope(await load(envelope.channel), envelope, now, options);
      if (result.status === 'accepted') await save(result.record);
      return result;
    };
    const previous = queues.get(envelope.channel) ?? Promise.resolve();
    const next = previous.then(run, run);
    const settled = next.catch(() => undefined);
    queues.set(envelope.channel, settled);
    void settled.then(() => {
      if (queues.get(envelope.channel) === settled) queues.delete(envelope.channel);
    });
    return next;
  }

  return { pathOf, load, save, accept };
}

function corrupt(path: string, channel: string, why: string): ChannelError {
  return new ChannelError(
    'corrupt-state',
    `the trust state of channel ${shortId(channel)} in ${path} cannot be read (${why}); ` +
      'refusing to start over at seq 0, which would accept old releases again: restore the file, ' +
      'or delete it to trust the channel from scratch',
  );
}
