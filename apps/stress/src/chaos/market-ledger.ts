/**
 * What one client saw of a public stream: the seq jumps in what arrived (counted here, independently of the
 * SDK) and the gaps the client reported, so "every gap detected" is a comparison, not an assumption.
 */
export class MarketLedger {
  lastSeq = 0;
  /** Jumps (seq > last + 1) in the messages that arrived. */
  jumps = 0;
  /** Messages older than one already seen (never expected). */
  stale = 0;
  /** Gaps the client itself reported for this stream (`gap` events, or the app's own check). */
  reported = 0;
  /** Order-book rebuilds (`resync`). */
  resyncs = 0;

  record(seq: number): void {
    if (seq < this.lastSeq) {
      this.stale++;
      return;
    }
    if (this.lastSeq > 0 && seq > this.lastSeq + 1) this.jumps++;
    this.lastSeq = seq;
  }
}
