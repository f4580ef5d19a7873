/** Delivery of one private stream as a client saw it: every seq, how often, in what order. */
export interface PrivateTally {
  /** Seqs the server assigned in the range (the stream's seq grows by exactly 1 per event). */
  published: number;
  delivered: number;
  duplicates: number;
  outOfOrder: number;
}

/**
 * What one client received of its `orders:` stream. Phases are delimited by marker events (orderId
 * `mark-<phase>-<user>`), whose seqs bound what the server published to this user in that phase.
 */
export class PrivateLedger {
  private readonly counts = new Map<number, number>();
  private readonly markers = new Map<string, number>();
  private maxSeq = 0;
  private ooo = 0;
  private readonly oooAtMarker = new Map<string, number>();
  /** Largest publish→receive delay seen since the last `resetLatency` (ms, same machine clock). */
  maxLatencyMs = 0;
  /** Events received, repeats included. */
  received = 0;

  constructor(readonly userId: string) {}

  record(seq: number, orderId: string, timestamp: number): void {
    this.received++;
    this.counts.set(seq, (this.counts.get(seq) ?? 0) + 1);
    if (seq < this.maxSeq) this.ooo++;
    this.maxSeq = Math.max(this.maxSeq, seq);
    const latency = Date.now() - timestamp;
    if (latency > this.maxLatencyMs) this.maxLatencyMs = latency;
    const suffix = `-${this.userId}`;
    if (orderId.startsWith('mark-') && orderId.endsWith(suffix)) {
      const phase = orderId.slice(5, -suffix.length);
      if (!this.markers.has(phase)) {
        this.markers.set(phase, seq);
        this.oooAtMarker.set(phase, this.ooo);
      }
    }
  }

  hasMarker(phase: string): boolean {
    return this.markers.has(phase);
  }

  resetLatency(): void {
    this.maxLatencyMs = 0;
  }

  /** Delivery between the markers of `from` (exclusive) and `to` (inclusive); undefined if `to` never arrived. */
  tally(from: string, to: string): PrivateTally | undefined {
    const start = this.markers.get(from);
    const end = this.markers.get(to);
    if (start === undefined || end === undefined) return undefined;
    let delivered = 0;
    let duplicates = 0;
    for (let seq = start + 1; seq <= end; seq++) {
      const n = this.counts.get(seq) ?? 0;
      if (n > 0) delivered++;
      if (n > 1) duplicates += n - 1;
    }
    const outOfOrder = (this.oooAtMarker.get(to) ?? 0) - (this.oooAtMarker.get(from) ?? 0);
    return { published: Math.max(0, end - start), delivered, duplicates, outOfOrder };
  }
}
