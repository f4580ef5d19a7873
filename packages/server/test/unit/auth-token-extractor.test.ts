import { describe, expect, it } from 'vitest';
import { extractToken, MAX_TOKEN_LENGTH } from '../../src/admission/token-extractor.js';

describe('extractToken', () => {
  it('reads auth.token first, then a Bearer header', () => {
    expect(extractToken({ auth: { token: 'a.b.c' }, headers: { authorization: 'Bearer x.y.z' } })).toEqual({
      kind: 'token',
      token: 'a.b.c',
    });
    expect(extractToken({ auth: {}, headers: { authorization: 'Bearer x.y.z' } })).toEqual({
      kind: 'token',
      token: 'x.y.z',
    });
    expect(extractToken({ auth: {}, headers: { authorization: 'bearer x.y.z' } })).toMatchObject({ kind: 'token' });
  });

  it('treats undefined, null and empty as no token', () => {
    expect(extractToken({})).toEqual({ kind: 'none' });
    expect(extractToken({ auth: { token: null }, headers: {} })).toEqual({ kind: 'none' });
    expect(extractToken({ auth: { token: '' }, headers: { authorization: '' } })).toEqual({ kind: 'none' });
  });

  it('refuses non-strings, oversized values and other schemes instead of treating them as anonymous', () => {
    expect(extractToken({ auth: { token: 42 } })).toEqual({ kind: 'invalid' });
    expect(extractToken({ auth: { token: { alg: 'none' } } })).toEqual({ kind: 'invalid' });
    expect(extractToken({ auth: { token: 'a'.repeat(MAX_TOKEN_LENGTH + 1) } })).toEqual({ kind: 'invalid' });
    expect(extractToken({ headers: { authorization: 'Basic dXNlcjpwYXNz' } })).toEqual({ kind: 'invalid' });
    expect(extractToken({ headers: { authorization: 'Bearer a b' } })).toEqual({ kind: 'invalid' });
    expect(extractToken({ headers: { authorization: `Bearer ${'a'.repeat(MAX_TOKEN_LENGTH + 20)}` } })).toEqual({
      kind: 'invalid',
    });
  });
});
