import { describe, expect, it } from 'vitest';
import { FrameWriteBatch } from '../../src/delivery/frame-write-batch.js';

interface Conn {
  name: string;
}

const conn = (name: string): Conn => ({ name });
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

describe('FrameWriteBatch', () => {
  it('writes each connection once, its frames in order, connections in the order of their first frame', () => {
    const { batch, writes } = recording();
    const a = conn('a');
    const b = conn('b');
    batch.run(() => {
      batch.add(b, [frame('1')]);
      batch.add(a, [frame('2')]);
      batch.add(b, [frame('3'), frame('4')]);
      expect(batch.size).toBe(2);
      expect(batch.pendingOf(b)?.map(String)).toEqual(['1', '3', '4']);
      expect(writes).toEqual([]);
    });
    expect(writes).toEqual(['b:1+3+4', 'a:2']);
    expect(batch.size).toBe(0);
    expect(batch.pendingOf(a)).toBeUndefined();
  });

  it('never changes the frame list it was given (one list shared by every recipient of a broadcast)', () => {
    const { batch, writes } = recording();
    const shared = [frame('x')];
    const a = conn('a');
    batch.run(() => {
      batch.add(a, shared);
      batch.add(a, [frame('y')]);
    });
    expect(shared.map(String)).toEqual(['x']);
    expect(writes).toEqual(['a:x+y']);
  });

  it('flushOne writes one connection at once; its later frames go out with the batch, each frame once', () => {
    const { batch, writes } = recording();
    const a = conn('a');
    const b = conn('b');
    batch.run(() => {
      batch.add(a, [frame('1')]);
      batch.add(b, [frame('2')]);
      batch.flushOne(a);
      expect(writes).toEqual(['a:1']);
      expect(batch.size).toBe(1);
      batch.flushOne(a);
      batch.add(a, [frame('3')]);
    });
    expect(writes).toEqual(['a:1', 'b:2', 'a:3']);
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
    expect(batch.size).toBe(0);
  });

  it('nested runs write at the end of the outermost; a turn batch at the end of the synchronous run', async () => {
    const { batch, writes } = recording();
    const a = conn('a');
    batch.run(() => {
      batch.run(() => batch.add(a, [frame('1')]));
      expect(writes).toEqual([]);
      batch.add(a, [frame('2')]);
    });
    expect(writes).toEqual(['a:1+2']);
    batch.openForTurn();
    batch.openForTurn();
    batch.add(a, [frame('3')]);
    batch.add(a, [frame('4')]);
    let afterFlush = false;
    batch.afterFlush(() => {
      afterFlush = true;
    });
    expect(writes).toEqual(['a:1+2']);
    await Promise.resolve();
    expect(writes).toEqual(['a:1+2', 'a:3+4']);
    expect(afterFlush).toBe(true);
    expect(batch.open).toBe(false);
  });
});
