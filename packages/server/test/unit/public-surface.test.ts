import { readFileSync } from 'node:fs';
import * as server from '@ws/server';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

/** Every name `src/<entry>.ts` exports, types included: its named re-exports and exported type aliases. */
function exportedNames(entry: string): string[] {
  const path = new URL(`../../src/${entry}.ts`, import.meta.url);
  const source = ts.createSourceFile(entry, readFileSync(path, 'utf8'), ts.ScriptTarget.Latest);
  const names: string[] = [];
  for (const statement of source.statements) {
    if (ts.isImportDeclaration(statement)) continue;
    if (ts.isTypeAliasDeclaration(statement)) {
      const exported = statement.modifiers?.some((m) => m.kind === ts.SyntaxKind.ExportKeyword);
      if (exported) names.push(statement.name.text);
      continue;
    }
    if (!ts.isExportDeclaration(statement)) throw new Error(`${entry}.ts: only exports belong in an entry`);
    const clause = statement.exportClause;
    if (clause === undefined || !ts.isNamedExports(clause)) throw new Error(`${entry}.ts: no export *`);
    names.push(...clause.elements.map((e) => e.name.text));
  }
  return names.sort();
}

// A change here is a change of the package's public API: it needs a changeset (a removal is breaking).
const PUBLIC_VALUES = [
  'AuthMiddleware',
  'RateLimitMiddleware',
  'WebSocketServer',
  'WsConfigError',
  'WsError',
  'createRedisPublisher',
  'defaultServerOptions',
  'epochNow',
  'isWsError',
  'redisKey',
  'websocketBroadcast',
];
const PUBLIC_TYPES = [
  'AuthOptions',
  'Clock',
  'Logger',
  'RateLimitOptions',
  'RedisPublisherOptions',
  'TypedNamespace',
  'WebSocketBroadcast',
  'WebSocketServerInit',
  'WebSocketServerOptions',
];

describe('the public surface of @ws/server', () => {
  it('is exactly these names', () => {
    expect(exportedNames('index')).toEqual([...PUBLIC_VALUES, ...PUBLIC_TYPES].sort());
  });

  it('has exactly these values at run time (the rest are types)', () => {
    expect(Object.keys(server).sort()).toEqual([...PUBLIC_VALUES].sort());
  });

  it('leaves the components and their contracts to @ws/server/internal', () => {
    const internal = new Set(exportedNames('internal'));
    for (const name of ['SubscriptionManager', 'OrderBooks', 'SequenceStore', 'resolveServerOptions', 'systemClock']) {
      expect(internal.has(name), name).toBe(true);
    }
    // The broadcast service is a type in the front door; the class itself (and its constructor) is internal.
    expect([...internal].filter((name) => exportedNames('index').includes(name))).toEqual(['WebSocketBroadcast']);
  });
});
