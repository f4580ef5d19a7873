import { readFileSync } from 'node:fs';
import { AdminCommands, NamespaceEventCatalog, type NamespaceName, PublishableEvents } from '@ws/protocol';
import { type AsyncApiJson, buildAsyncApiDocument } from '@ws/protocol/internal';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { asyncApiPath, renderAsyncApiYaml } from '../../../../scripts/generate-asyncapi.js';

const version = (
  JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }
).version;
const doc = buildAsyncApiDocument({ version });

type Obj = { [key: string]: AsyncApiJson };
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

function resolve(pointer: string): AsyncApiJson | undefined {
  expect(pointer.startsWith('#/')).toBe(true);
  let node: AsyncApiJson | undefined = doc;
  for (const raw of pointer.slice(2).split('/')) {
    const key = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    node = isObj(node) && Object.hasOwn(node, key) ? node[key] : undefined;
  }
  return node;
}

function collectRefs(node: AsyncApiJson, out: string[] = []): string[] {
  if (Array.isArray(node)) for (const v of node) collectRefs(v, out);
  else if (isObj(node)) {
    for (const [k, v] of Object.entries(node)) {
      if (k === '$ref' && typeof v === 'string') out.push(v);
      else collectRefs(v, out);
    }
  }
  return out;
}

const section = (name: string): Obj => {
  const value = doc[name];
  if (!isObj(value)) throw new Error(`missing section ${name}`);
  return value;
};

describe('docs/asyncapi.yaml', () => {
  it('is up to date with the schemas', () => {
    const onDisk = readFileSync(asyncApiPath, 'utf8');
    expect(onDisk === renderAsyncApiYaml(), 'docs/asyncapi.yaml is stale: run `pnpm docs:protocol` and commit it').toBe(
      true,
    );
  });

  it('parses back to the generated document', () => {
    expect(parse(readFileSync(asyncApiPath, 'utf8'))).toEqual(doc);
  });

  it('renders deterministically', () => {
    expect(renderAsyncApiYaml()).toBe(renderAsyncApiYaml());
  });
});

describe('buildAsyncApiDocument', () => {
  it('is an AsyncAPI 3.0 document with the package version and a ws development server', () => {
    expect(doc['asyncapi']).toBe('3.0.0');
    expect(section('info')['version']).toBe(version);
    expect(section('info')['description']).toMatch(/LIMIT_EXCEEDED/);
    expect(section('servers')['development']).toMatchObject({ host: 'localhost:3000', protocol: 'ws' });
  });

  it('resolves every $ref', () => {
    const refs = collectRefs(doc);
    expect(refs.length).toBeGreaterThan(100);
    const broken = refs.filter((ref) => resolve(ref) === undefined);
    expect(broken).toEqual([]);
  });

  it("points every operation at an existing channel and only at that channel's messages", () => {
    const operations = Object.entries(section('operations'));
    expect(operations.length).toBeGreaterThan(0);
    for (const [id, op] of operations) {
      if (!isObj(op)) throw new Error(id);
      expect(['send', 'receive']).toContain(op['action']);
      const channelRef = (op['channel'] as Obj)['$ref'] as string;
      expect(resolve(channelRef), id).toBeDefined();
      for (const message of op['messages'] as Obj[]) {
        expect(message['$ref'] as string, id).toMatch(new RegExp(`^${channelRef}/messages/`));
      }
      const reply = op['reply'];
      if (isObj(reply)) {
        const replyChannel = (reply['channel'] as Obj)['$ref'] as string;
        for (const message of reply['messages'] as Obj[]) {
          expect(message['$ref'] as string, id).toMatch(new RegExp(`^${replyChannel}/messages/`));
        }
      }
    }
  });

  it('has one channel per namespace', () => {
    const channels = section('channels');
    for (const ns of Object.keys(NamespaceEventCatalog)) {
      expect(channels[ns.slice(1)], ns).toMatchObject({ address: ns });
    }
  });

  it('has an operation for every event of the catalogue, with a reply for every request with an ack', () => {
    const operations = section('operations');
    for (const ns of Object.keys(NamespaceEventCatalog) as NamespaceName[]) {
      const key = ns.slice(1);
      for (const [event, spec] of Object.entries(NamespaceEventCatalog[ns].clientToServer)) {
        const op = operations[`${key}.receive.${event}`];
        expect(op, `${ns} ${event}`).toMatchObject({ action: 'receive' });
        expect(isObj(op) && isObj(op['reply']), `${ns} ${event} reply`).toBe('ack' in spec);
      }
      for (const event of Object.keys(NamespaceEventCatalog[ns].serverToClient)) {
        expect(operations[`${key}.send.${event}`], `${ns} ${event}`).toMatchObject({ action: 'send' });
      }
    }
  });

  it('sends every room-bound publishable event on its room channel', () => {
    const operations = section('operations');
    expect(operations['market.send.market.depth']).toMatchObject({
      channel: { $ref: '#/channels/market.depth.room' },
    });
    expect(section('channels')['market.depth.room']).toMatchObject({ address: 'market:depth:{symbol}' });
    expect(section('channels')['user.orders.room']).toMatchObject({ address: 'orders:{userId}' });
    for (const [event, def] of Object.entries(PublishableEvents)) {
      if (def.namespace === 'all') continue;
      const op = operations[`${def.namespace.slice(1)}.send.${event}`] as Obj;
      expect((op['channel'] as Obj)['$ref'], event).toMatch(/\.room$/);
    }
  });

  it('keeps every schema, with x-decimal and without TypeBox internals', () => {
    const schemas = (section('components') as { schemas: Obj }).schemas;
    for (const name of ['PriceUpdate', 'MarketDepth', 'AckError', 'WsErrorPayload', 'MarketDepthInput', 'Decimal']) {
      expect(schemas[name], name).toBeDefined();
    }
    for (const name of Object.keys(AdminCommands)) {
      expect(schemas[`AdminCommand.${name}.Args`], name).toBeDefined();
      expect(schemas[`AdminCommand.${name}.Result`], name).toBeDefined();
    }
    expect(schemas['Decimal']).toMatchObject({ type: 'string', 'x-decimal': true });
    const text = JSON.stringify(doc);
    expect(text).not.toContain('~kind');
    for (const key of Object.keys(schemas)) expect(key).toMatch(/^[a-zA-Z0-9.\-_]+$/);
  });
});
