import { describe, expect, it } from 'vitest';
import { TypedEmitter } from '../../src/typed-emitter.js';

type Events = { a: number; b: string };

class Probe extends TypedEmitter<Events> {
  readonly errors: [unknown, keyof Events][] = [];
  fire<K extends keyof Events>(event: K, payload: Events[K]): boolean {
    return this.emit(event, payload);
  }
  protected override onListenerError(error: unknown, event: keyof Events): void {
    this.errors.push([error, event]);
  }
}

describe('TypedEmitter', () => {
  it('delivers payloads to listeners and removes them', () => {
    const e = new Probe();
    const seen: number[] = [];
    const off = e.on('a', (n) => seen.push(n));
    expect(e.fire('a', 1)).toBe(true);
    off();
    expect(e.fire('a', 2)).toBe(false);
    expect(seen).toEqual([1]);
    expect(e.listenerCount('a')).toBe(0);
  });

  it('once fires a single time', () => {
    const e = new Probe();
    const seen: string[] = [];
    e.once('b', (s) => seen.push(s));
    e.fire('b', 'x');
    e.fire('b', 'y');
    expect(seen).toEqual(['x']);
  });

  it('a throwing listener does not stop the others and is reported', () => {
    const e = new Probe();
    const seen: number[] = [];
    const boom = new Error('boom');
    e.on('a', () => {
      throw boom;
    });
    e.on('a', (n) => seen.push(n));
    expect(() => e.fire('a', 5)).not.toThrow();
    expect(seen).toEqual([5]);
    expect(e.errors).toEqual([[boom, 'a']]);
  });

  it('a listener removed during emit does not break iteration', () => {
    const e = new Probe();
    const seen: string[] = [];
    const offSecond = e.on('b', () => seen.push('second'));
    e.on('b', () => {
      seen.push('third');
    });
    e.on('b', () => offSecond());
    e.fire('b', 'x');
    e.fire('b', 'y');
    expect(seen).toEqual(['second', 'third', 'third']);
  });
});
