import { describe, expect, it } from 'vitest';
import { AckHold } from '../../src/ack-hold.js';

const macrotask = () => new Promise<void>((resolve) => setTimeout(resolve, 0));

function hold() {
  const delivered: string[] = [];
  const h = new AckHold<string>(
    (packet) => delivered.push(packet),
    (packet) => packet.startsWith('ack'),
  );
  return { h, delivered };
}

describe('AckHold', () => {
  it('delivers at once until an ack, then holds what follows until the ack’s awaiter has continued', async () => {
    const { h, delivered } = hold();
    const acked = new Promise<void>((resolve) => {
      h.push('event 1');
      h.push('ack 1');
      resolve();
      h.push('snapshot');
    });
    await acked;
    // The awaiter's continuation: nothing after the ack yet.
    expect(delivered).toEqual(['event 1', 'ack 1']);
    await macrotask();
    expect(delivered).toEqual(['event 1', 'ack 1', 'snapshot']);
  });

  it('keeps order across a later ack among the held packets and packets that come during the hold', async () => {
    const { h, delivered } = hold();
    for (const p of ['ack 1', 'a', 'ack 2', 'b']) h.push(p);
    h.push('c');
    expect(delivered).toEqual(['ack 1']);
    await macrotask();
    // The second ack holds again what follows it.
    expect(delivered).toEqual(['ack 1', 'a', 'ack 2']);
    h.push('d');
    await macrotask();
    expect(delivered).toEqual(['ack 1', 'a', 'ack 2', 'b', 'c', 'd']);
  });

  it('flush delivers everything held now, in order, and nothing twice', async () => {
    const { h, delivered } = hold();
    for (const p of ['ack 1', 'a', 'ack 2', 'b']) h.push(p);
    h.flush();
    expect(delivered).toEqual(['ack 1', 'a', 'ack 2', 'b']);
    h.push('c');
    expect(delivered).toEqual(['ack 1', 'a', 'ack 2', 'b', 'c']);
    await macrotask();
    expect(delivered).toEqual(['ack 1', 'a', 'ack 2', 'b', 'c']);
  });
});
