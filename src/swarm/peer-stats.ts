/** A peer's own counters, reported to the origin every 2 s. */
export class PeerCounters {
  segmentsReceived = 0;
  bytesFromPeers = 0;
  bytesFromOrigin = 0;
  bytesUploaded = 0;
  /** Objects that arrived corrupt and were thrown away. */
  corrupt = 0;
  private readonly latencies: number[] = [];

  /** Milliseconds from the origin signing a segment to this peer having verified it. */
  noteOriginLatency(ms: number): void {
    this.latencies.push(Math.max(0, ms));
    if (this.latencies.length > 20) this.latencies.shift();
  }

  /** Median of the recent origin-to-here latencies. */
  get originLatencyMs(): number {
    return this.percentile(0.5);
  }

  /** 95th percentile of the recent origin-to-here latencies. */
  get originLatencyP95Ms(): number {
    return this.percentile(0.95);
  }

  private percentile(p: number): number {
    if (this.latencies.length === 0) return 0;
    const sorted = [...this.latencies].sort((a, b) => a - b);
    return sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))]!;
  }
}
