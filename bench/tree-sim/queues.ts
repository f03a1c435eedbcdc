/** A binary min-heap (entries ageing out of the view), and the simulation's event queue. */

export class MinHeap<T> {
  private readonly items: T[] = [];

  constructor(private readonly before: (a: T, b: T) => boolean) {}

  peek(): T | undefined {
    return this.items[0];
  }

  push(item: T): void {
    const items = this.items;
    let i = items.length;
    items.push(item);
    while (i > 0) {
      const up = (i - 1) >> 1;
      if (!this.before(item, items[up]!)) break;
      items[i] = items[up]!;
      i = up;
    }
    items[i] = item;
  }

  pop(): T | undefined {
    const items = this.items;
    const top = items[0];
    const last = items.pop();
    if (items.length === 0 || last === undefined) return top;
    let i = 0;
    for (;;) {
      const left = 2 * i + 1;
      if (left >= items.length) break;
      const right = left + 1;
      const child = right < items.length && this.before(items[right]!, items[left]!) ? right : left;
      if (!this.before(items[child]!, last)) break;
      items[i] = items[child]!;
      i = child;
    }
    items[i] = last;
    return top;
  }
}

interface SimEvent {
  at: number;
  seq: number;
  run: () => void;
}

const earlier = (a: SimEvent, b: SimEvent): boolean =>
  a.at < b.at || (a.at === b.at && a.seq < b.seq);

/** Its own heap rather than a MinHeap: tens of millions of events, so the comparison inlines. */
export class EventQueue {
  now = 0;
  events = 0;
  private seq = 0;
  private readonly heap: SimEvent[] = [];

  after(delay: number, run: () => void): void {
    const event = { at: this.now + Math.max(0, delay), seq: this.seq++, run };
    const heap = this.heap;
    let i = heap.length;
    heap.push(event);
    while (i > 0) {
      const up = (i - 1) >> 1;
      if (!earlier(event, heap[up]!)) break;
      heap[i] = heap[up]!;
      i = up;
    }
    heap[i] = event;
  }

  runUntil(end: number): void {
    const heap = this.heap;
    while (heap.length > 0 && heap[0]!.at <= end) {
      const next = heap[0]!;
      const last = heap.pop()!;
      if (heap.length > 0) {
        let i = 0;
        for (;;) {
          const left = 2 * i + 1;
          if (left >= heap.length) break;
          const right = left + 1;
          const child = right < heap.length && earlier(heap[right]!, heap[left]!) ? right : left;
          if (!earlier(heap[child]!, last)) break;
          heap[i] = heap[child]!;
          i = child;
        }
        heap[i] = last;
      }
      this.now = next.at;
      this.events += 1;
      next.run();
    }
    this.now = end;
  }
}
