import { describe, expect, it } from 'vitest';
import { jwtExpiresAt } from '../../src/jwt-expiry.js';

const b64url = (value: object) =>
  btoa(JSON.stringify(value)).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');

describe('jwtExpiresAt', () => {
  it('reads exp (seconds) as epoch ms without verifying', () => {
    const token = `${b64url({ alg: 'HS256' })}.${b64url({ sub: 'u?>~', exp: 1_900_000_000 })}.sig`;
    expect(jwtExpiresAt(token)).toBe(1_900_000_000_000);
  });

  it('is undefined for tokens without exp and for garbage', () => {
    expect(jwtExpiresAt(`${b64url({})}.${b64url({ sub: 'x' })}.s`)).toBeUndefined();
    expect(jwtExpiresAt('not-a-jwt')).toBeUndefined();
    expect(jwtExpiresAt('a.!!!.c')).toBeUndefined();
    expect(jwtExpiresAt(`a.${b64url({ exp: 'soon' })}.c`)).toBeUndefined();
  });
});
