import { compareDecimal, isDecimalString, isZeroDecimal, toDecimalString } from '@ws/protocol';
import { describe, expect, it } from 'vitest';

describe('toDecimalString', () => {
  it.each([
    [0, '0'],
    [-0, '0'],
    [1, '1'],
    [-1.5, '-1.5'],
    [0.1 + 0.2, '0.30000000000000004'],
    [0.3, '0.3'],
    [1e21, '1000000000000000000000'],
    [1.5e22, '15000000000000000000000'],
    [1e-7, '0.0000001'],
    [-1.23e-5, '-0.0000123'],
    [123456789.123, '123456789.123'],
    [Number.MAX_SAFE_INTEGER, '9007199254740991'],
  ])('formats the number %s as %s', (input, expected) => {
    expect(toDecimalString(input)).toBe(expected);
  });

  it.each([
    ['100.50', '100.5'],
    ['100.000', '100'],
    ['007', '7'],
    ['-0', '0'],
    ['-0.000', '0'],
    ['0.010', '0.01'],
    ['-00.5', '-0.5'],
    ['123456789012345678901234567890.123456789', '123456789012345678901234567890.123456789'],
  ])('canonicalises the string %s as %s', (input, expected) => {
    expect(toDecimalString(input)).toBe(expected);
  });

  it('throws a TypeError for non-finite numbers and non-decimal strings', () => {
    for (const bad of [Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY]) {
      expect(() => toDecimalString(bad)).toThrow(TypeError);
    }
    for (const bad of ['1e5', '', 'abc', '.5', '1,5', '0x10', '--1', '1.2.3', 'NaN']) {
      expect(() => toDecimalString(bad), bad).toThrow(TypeError);
    }
  });

  it('never returns a string the wire schema rejects', () => {
    expect(() => toDecimalString(1e70)).toThrow(TypeError);
    expect(() => toDecimalString(5e-324)).toThrow(TypeError);
    expect(() => toDecimalString('1'.repeat(65))).toThrow(TypeError);
  });

  it('round-trips numbers exactly through the shortest representation', () => {
    const samples = [0.1, 0.7, 1 / 3, 2 / 3, 1e-6, 123.456, 99999.99999, 2 ** 53 + 2, 1e20, 4.35, 1.005, 50000.12];
    for (let i = 0; i < 500; i++) samples.push((i * 7919.123457) / 97, -i * 0.0001, i * 1e15 + 0.5);
    for (const n of samples) {
      const s = toDecimalString(n);
      expect(isDecimalString(s), s).toBe(true);
      expect(Number(s), s).toBe(n === 0 ? 0 : n);
      expect(toDecimalString(s), s).toBe(s);
    }
  });
});

describe('compareDecimal', () => {
  it.each([
    ['9.5', '10', -1],
    ['10', '9.5', 1],
    ['100.5', '100.50', 0],
    ['007', '7', 0],
    ['-1', '-2', 1],
    ['-2', '-1', -1],
    ['-0.5', '0.5', -1],
    ['0', '-0', 0],
    ['0.0001', '0.00009', 1],
    ['123456789012345678901234567890.1', '123456789012345678901234567890.09', 1],
    ['0.1', '0.10000000000000001', -1],
  ])('compares %s with %s as %i', (a, b, expected) => {
    expect(Math.sign(compareDecimal(a, b))).toBe(expected);
  });

  it('sorts like numbers for values doubles represent exactly', () => {
    const values = ['10', '9.5', '-3', '0', '0.25', '100', '-0.5', '2.125', '1000.75'];
    const sorted = [...values].sort(compareDecimal);
    expect(sorted).toEqual([...values].sort((a, b) => Number(a) - Number(b)));
  });
});

describe('isDecimalString / isZeroDecimal', () => {
  it('accepts only the wire form', () => {
    for (const good of ['0', '-1', '1.5', '0.001', '50000.12']) expect(isDecimalString(good), good).toBe(true);
    for (const bad of ['1e5', '01', '1.', '.5', ' 1', '+1', '', 1, null, '1'.repeat(65)]) {
      expect(isDecimalString(bad), String(bad)).toBe(false);
    }
  });

  it('recognises zero in every spelling and nothing else', () => {
    for (const zero of ['0', '-0', '0.000', '00', '0.']) expect(isZeroDecimal(zero), zero).toBe(true);
    for (const other of ['0.001', '1', '-0.5', '10', '', '-', '.']) expect(isZeroDecimal(other), other).toBe(false);
  });
});
