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

/** An object handed to the player, and whether its bytes came from the origin or a peer. */
export interface Served {
  bytes: Uint8Array;
  /** From the origin (pushed by it, or fetched from it), not from another peer. */
  fromOrigin: boolean;
}

export class SegmentSource {
  /** Media bytes handed to the player from the swarm, and how many requests missed. */
  servedBytes = 0;
  served = 0;
  misses = 0;

  constructor(private readonly store: SegmentStore) {}

  private lookup(ref: MediaRef): Served | undefined {
    if (ref.kind === 'init') {
      const init = this.store.init(ref.id);
      // Init segments are a few hundred bytes, fetched once: counted as the origin's.
      return init && { bytes: init.bytes, fromOrigin: true };
    }
    const segment = this.store.get(ref.id);
    return segment && { bytes: segment.bytes, fromOrigin: segment.fromOrigin ?? false };
  }

  /** The object, waiting up to `deadlineMs` for it; undefined if it did not come. */
  get(ref: MediaRef, deadlineMs: number, signal?: AbortSignal): Promise<Served | undefined> {
    const found = this.lookup(ref);
    if (found) return Promise.resolve(this.hit(found));
    if (deadlineMs <= 0) return Promise.resolve(this.miss());
    return new Promise((resolve) => {
      const finish = (served: Served | undefined) => {
        clearTimeout(timer);
        offSegment();
        offInit();
        signal?.removeEventListener('abort', onAbort);
        resolve(served ? this.hit(served) : this.miss());
      };
      const onArrival = () => {
        const served = this.lookup(ref);
        if (served) finish(served);
      };
      const onAbort = () => finish(undefined);
      const offSegment = this.store.onSegment(onArrival);
      const offInit = this.store.onInit(onArrival);
      const timer = setTimeout(() => finish(undefined), deadlineMs);
      signal?.addEventListener('abort', onAbort, { once: true });
    });
  }

  private hit(served: Served): Served {
    this.served += 1;
    this.servedBytes += served.bytes.length;
    return served;
  }

  private miss(): undefined {
    this.misses += 1;
    return undefined;
  }
}
