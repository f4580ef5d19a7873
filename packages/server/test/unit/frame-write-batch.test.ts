import { describe, expect, it } from 'vitest';
import { type BatchMark, BUNCHED, FrameWriteBatch } from '../../src/delivery/frame-write-batch.js';

interface Conn extends BatchMark {
  name: string;
}

const conn = (name: string): Conn => ({ name, batchEpoch: -1 });
const frame = (text: string) => Buffer.from(text);

/** A batch whose writes are recorded as `name:frame+frame`; `onWrite` may re-enter it. */
function recording(onWrite?: (key: Conn, batch: FrameWriteBatch<Conn>) => void) {
  const writes: string[] = [];
  const batch: FrameWriteBatch<Conn> = new FrameWriteBatch<Conn>((key, frames) => {
    writes.push(`${key.name}:${frames.map((f) => f.toString()).join('+')}`);
    onWrite?.(key, batch);
  });
  return { batch, writes };
}

/** What a writer does with one frame in a batch: collect it, or write it at once and count it. */
function deliver(batch: FrameWriteBatch<Conn>, writes: string[], key: Conn, text: string): void {
  if (batch.collecting) batch.add(key, [frame(text)]);
  else {
    batch.passThrough(key);
    writes.push(`${key.name}:${text}`);
  }
}

describe('FrameWriteBatch', () => {
  it('writes each connection once, its frames in order, connections in the order of their first frame', () => {
    const { batch, writes } = recording();
    const a = conn('a');
    const b = conn('b');
    expect(batch.collecting).toBe(true);
    batch.run(() => {
      batch.add(b, [frame('1')]);
      batch.add(a, [frame('2')]);
      batch.add(b, [frame('3'), frame('4')]);
      expect(batch.size).toBe(2);
      expect(writes).toEqual([]);
    });
    expect(writes).toEqual(['b:1+3+4', 'a:2']);
    expect(batch.size).toBe(0);
  });

  it('a write that re-enters (flushOne of a connection not written yet) writes nothing twice', () => {
    const a = conn('a');
    const b = conn('b');
    const { batch, writes } = recording((key, self) => {
      if (key === a) self.flushOne(b);
    });
    batch.run(() => {
      batch.add(a, [frame('1')]);
      batch.add(b, [frame('2')]);
    });
    expect(writes).toEqual(['a:1', 'b:2']);
  });

  it('stops collecting after a batch that did not bunch, and collects again after one that did', () => {
    const { batch, writes } = recording();
    const conns = Array.from({ length: 8 }, (_, i) => conn(`c${i}`));
    // One frame per connection: nothing to save, so the next batch writes as it goes.
    batch.run(() => {
      for (const c of conns) deliver(batch, writes, c, 'p1');
    });
    expect(writes).toHaveLength(8);
    expect(batch.collecting).toBe(false);
    writes.length = 0;
    // Written at once; two frames each this time, which the batch notices...
    batch.run(() => {
      for (const c of conns) deliver(batch, writes, c, 'p2');
      expect(writes).toHaveLength(8);
      for (const c of conns) deliver(batch, writes, c, 'p3');
    });
    expect(writes).toHaveLength(16);
    expect(batch.collecting).toBe(true);
    writes.length = 0;
    // ...so the next batch collects them again: one write per connection.
    batch.run(() => {
      for (const c of conns) deliver(batch, writes, c, 'p4');
      for (const c of conns) deliver(batch, writes, c, 'p5');
      expect(writes).toEqual([]);
    });
    expect(writes).toEqual(conns.map((c) => `${c.name}:p4+p5`));
    expect(batch.collecting).toBe(true);
  });

  it(`collects while frames per connection exceed ${BUNCHED}, keeps its mode after an empty batch`, () => {
    const { batch, writes } = recording();
    const conns = Array.from({ length: 16 }, (_, i) => conn(`c${i}`));
    // 16 connections, 18 frames: 1.125 per connection is not more than BUNCHED.
    batch.run(() => {
      for (const c of conns) deliver(batch, writes, c, 'x');
      deliver(batch, writes, conns[0] as Conn, 'y');
      deliver(batch, writes, conns[1] as Conn, 'y');
    });
    expect(batch.collecting).toBe(false);
    batch.run(() => {
      for (const c of conns) deliver(batch, writes, c, 'x');
      for (const c of conns.slice(0, 3)) deliver(batch, writes, c, 'y');
    });
    expect(batch.collecting).toBe(true);
    batch.run(() => {});
    expect(batch.collecting).toBe(true);
  });

  it('a turn batch ends with the synchronous run, nested runs with the outermost', async () => {
    const { batch, writes } = recording();
    const a = conn('a');
    batch.run(() => {
      batch.run(() => batch.add(a, [frame('1')]));
      batch.add(a, [frame('2')]);
      expect(writes).toEqual([]);
    });
    expect(writes).toEqual(['a:1+2']);
    expect(batch.collecting).toBe(true);
    batch.openForTurn();
    batch.openForTurn();
    batch.add(a, [frame('3')]);
    batch.add(a, [frame('4')]);
    let afterFlush = false;
    batch.afterFlush(() => {
      afterFlush = true;
    });
    await Promise.resolve();
    expect(writes).toEqual(['a:1+2', 'a:3+4']);
    expect(afterFlush).toBe(true);
    expect(batch.open).toBe(false);
  });
});
