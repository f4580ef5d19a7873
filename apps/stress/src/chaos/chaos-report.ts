import { type ChaosRunResult, FAULT_LABELS, type FaultRow } from './chaos-run.js';

export interface Criteria {
  /** Extra ms allowed over ping interval + timeout for a busy machine's timers; `null`: detection is not timed. */
  detectionAllowanceMs: number | null;
  /** Most RSS growth (MB) allowed on the node holding the half-open sockets; `null`: not checked. */
  maxRssGrowthMb: number | null;
}

const pct = (delivered: number, published: number) =>
  published === 0 ? '—' : `${((100 * delivered) / published).toFixed(published === delivered ? 0 : 1)} %`;

function delivered(row: { private: { delivered: number; published: number } }): string {
  return `${row.private.delivered} / ${row.private.published} (${pct(row.private.delivered, row.private.published)})`;
}

/** Pass criteria of the recovery run; each violation is one line. */
export function violations(result: ChaosRunResult, criteria: Criteria): string[] {
  const out: string[] = [];
  for (const row of result.rows) {
    const f = row.fault;
    const p = row.private;
    if (p.published === 0) out.push(`${f}: no private event published to the affected clients`);
    if (p.delivered !== p.published) out.push(`${f}: private ${p.delivered} of ${p.published} delivered`);
    if (p.duplicates > 0) out.push(`${f}: ${p.duplicates} private duplicates`);
    if (p.outOfOrder > 0) out.push(`${f}: ${p.outOfOrder} private out of order`);
    if (row.missingMarkers > 0) out.push(`${f}: ${row.missingMarkers} clients never caught up`);
    if (row.notLive > 0) out.push(`${f}: ${row.notLive} clients not live after the fault`);
    if (row.priceReported !== row.priceJumps) out.push(`${f}: ${row.priceJumps} gaps, ${row.priceReported} reported`);
    if (row.priceStale > 0) out.push(`${f}: ${row.priceStale} stale market messages`);
    if (row.notCurrent > 0) out.push(`${f}: ${row.notCurrent} price streams not resynced`);
    const h = row.halfOpen;
    if (h) {
      if (h.clientDetected < h.clients) out.push(`${f}: ${h.clients - h.clientDetected} clients never detected it`);
      if (h.serverDetected < h.clients) out.push(`${f}: the server never detected ${h.clients - h.serverDetected}`);
      if (criteria.detectionAllowanceMs !== null) {
        const bound = h.boundMs + criteria.detectionAllowanceMs;
        if (h.clientMaxMs > bound) out.push(`${f}: client detection ${h.clientMaxMs} ms > ${bound} ms`);
        if (h.serverMaxMs > bound) out.push(`${f}: server detection ${h.serverMaxMs} ms > ${bound} ms`);
      }
    }
    const m = row.memory;
    if (m && criteria.maxRssGrowthMb !== null && m.rssPeakMb - m.rssBeforeMb > criteria.maxRssGrowthMb) {
      out.push(`${f}: RSS of ${m.node} grew ${(m.rssPeakMb - m.rssBeforeMb).toFixed(1)} MB`);
    }
  }
  if (result.books && result.books.equal !== result.books.of) {
    out.push(`books: ${result.books.equal} of ${result.books.of} equal the server's`);
  }
  return out;
}

function halfOpenCell(row: FaultRow): string {
  const h = row.halfOpen;
  if (!h) return '';
  return `client ${h.clientDetected}/${h.clients} ≤ ${h.clientMaxMs} ms, server ${h.serverDetected}/${h.clients} ≤ ${h.serverMaxMs} ms (bound ${h.boundMs} ms)`;
}

function memoryCell(row: FaultRow): string {
  const m = row.memory;
  if (!m) return '';
  return `${m.node} RSS ${m.rssBeforeMb} → peak ${m.rssPeakMb} → ${m.rssAfterMb} MB, heap ${m.heapBeforeMb} → ${m.heapPeakMb} → ${m.heapAfterMb} MB`;
}

/** The README table: per fault, the recovery run next to the baseline run. */
export function formatTable(recovery: ChaosRunResult, baseline: ChaosRunResult | undefined): string {
  const lines = [
    '| fault | clients affected | private delivered (recovery) | dup / out of order | max private delay | price gaps seen / reported | book resyncs | private delivered (baseline, no recovery) | baseline dup / out of order |',
    '| --- | --- | --- | --- | --- | --- | --- | --- | --- |',
  ];
  for (const row of recovery.rows) {
    const base = baseline?.rows.find((r) => r.fault === row.fault);
    lines.push(
      `| ${FAULT_LABELS[row.fault]} | ${row.affected} | ${delivered(row)} | ${row.private.duplicates} / ${row.private.outOfOrder} | ${row.maxPrivateDelayMs} ms | ${row.priceJumps} / ${row.priceReported} | ${row.bookResyncs} | ${base ? delivered(base) : '—'} | ${base ? `${base.private.duplicates} / ${base.private.outOfOrder}` : '—'} |`,
    );
  }
  const t = recovery.total;
  const b = baseline?.total;
  lines.push(
    `| **whole run, every client** | ${recovery.clients} | ${t.delivered} / ${t.published} (${pct(t.delivered, t.published)}) | ${t.duplicates} / ${t.outOfOrder} | | | | ${b ? `${b.delivered} / ${b.published} (${pct(b.delivered, b.published)})` : '—'} | ${b ? `${b.duplicates} / ${b.outOfOrder}` : '—'} |`,
  );
  return lines.join('\n');
}

/** Details the table has no room for: half-open detection, memory, per-fault notes, books. */
export function formatDetails(result: ChaosRunResult): string {
  const lines: string[] = [`${result.mode}: ${result.clients} clients, ${Math.round(result.durationMs / 1000)} s`];
  for (const row of result.rows) {
    const reasons = Object.entries(row.serverReasons)
      .map(([reason, n]) => `${n} × ${reason}`)
      .join(', ');
    const closed = reasons ? `gateways closed /user: ${reasons}` : 'no /user connection closed by the gateways';
    const lag = `longest event-loop stall: clients ${row.clientLagMaxMs} ms, gateways ${row.gatewayLagMaxMs} ms`;
    const extra = [row.detail, closed, halfOpenCell(row), memoryCell(row), lag].filter((s) => s.length > 0).join('; ');
    lines.push(`- ${FAULT_LABELS[row.fault]}: ${extra}`);
  }
  if (result.books) lines.push(`- books equal to the server's at the end: ${result.books.equal} / ${result.books.of}`);
  if (result.publisher) {
    const p = result.publisher;
    lines.push(
      `- publisher: ${p.acceptedItems} items accepted, ${p.failedItems} refused or lost ${JSON.stringify(p.failuresByStatus)}`,
    );
  }
  return lines.join('\n');
}
