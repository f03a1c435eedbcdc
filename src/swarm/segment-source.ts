/**
 * What a local player asks the swarm for: an object by kind and id, now if the peer holds it,
 * or as soon as it arrives, up to a deadline the caller derives from its buffer. Only verified
 * objects are ever in the store, so only verified bytes come out of here.
 */
import type { ObjectKind } from './announcement.js';
import type { SegmentStore } from './segment-store.js';

export interface MediaRef {
  kind: ObjectKind;
  id: number;
}

/** Our origin's URL scheme: `/live/<stream>/<seq>.m4s` and `/live/<stream>/init-<id>.mp4`. */
export function parseMediaUrl(url: string, stream: string): MediaRef | undefined {
  const path = new URL(url, 'http://x').pathname;
  const prefix = `/live/${stream}/`;
  if (!path.startsWith(prefix)) return undefined;
  const name = path.slice(prefix.length);
  const media = /^(\d{1,10})\.m4s$/.exec(name);
  if (media) return { kind: 'media', id: Number(media[1]) };
  const init = /^init-(\d{1,10})\.mp4$/.exec(name);
  if (init) return { kind: 'init', id: Number(init[1]) };
  return undefined;
}

export class SegmentSource {
  /** Media bytes handed to the player from the swarm, and how many requests missed. */
  servedBytes = 0;
  served = 0;
  misses = 0;

  constructor(private readonly store: SegmentStore) {}

  private lookup(ref: MediaRef): Uint8Array | undefined {
    return ref.kind === 'media' ? this.store.get(ref.id)?.bytes : this.store.init(ref.id)?.bytes;
  }

  /** The object's bytes, waiting up to `deadlineMs` for it; undefined if it did not come. */
  get(ref: MediaRef, deadlineMs: number, signal?: AbortSignal): Promise<Uint8Array | undefined> {
    const found = this.lookup(ref);
    if (found) return Promise.resolve(this.hit(found));
    if (deadlineMs <= 0) return Promise.resolve(this.miss());
    return new Promise((resolve) => {
      const finish = (bytes: Uint8Array | undefined) => {
        clearTimeout(timer);
        offSegment();
        offInit();
        signal?.removeEventListener('abort', onAbort);
        resolve(bytes ? this.hit(bytes) : this.miss());
      };
      const onArrival = () => {
        const bytes = this.lookup(ref);
        if (bytes) finish(bytes);
      };
      const onAbort = () => finish(undefined);
      const offSegment = this.store.onSegment(onArrival);
      const offInit = this.store.onInit(onArrival);
      const timer = setTimeout(() => finish(undefined), deadlineMs);
      signal?.addEventListener('abort', onAbort, { once: true });
    });
  }

  private hit(bytes: Uint8Array): Uint8Array {
    this.served += 1;
    this.servedBytes += bytes.length;
    return bytes;
  }

  private miss(): undefined {
    this.misses += 1;
    return undefined;
  }
}
