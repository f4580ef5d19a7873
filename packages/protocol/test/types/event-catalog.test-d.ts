import type {
  Ack,
  ClientToServerEvents,
  NamespaceEventCatalog,
  NamespaceName,
  ServerToClientEvents,
} from '@ws/protocol';
import type { Static, TSchema } from 'typebox';
import { describe, expectTypeOf, it } from 'vitest';

type Catalog = typeof NamespaceEventCatalog;

/** First argument of every event of a map. */
type Payloads<M> = { [E in keyof M]: M[E] extends (payload: infer P, ...rest: never[]) => void ? P : never };
/** The ack of every event of a map (never for events without an ack). */
type Acks<M> = {
  [E in keyof M]: M[E] extends (payload: never, ack: (response: infer R) => void) => void ? R : never;
};
type CatalogPayloads<C> = {
  -readonly [E in keyof C]: C[E] extends { payload: infer S extends TSchema } ? Static<S> : never;
};
type CatalogAcks<C> = {
  -readonly [E in keyof C]: C[E] extends { ack: infer S extends TSchema } ? Static<S> : never;
};
/** What an ack result of the map says `ok: true` carries. */
type OkOf<M> = { [E in keyof M]: Extract<Acks<M>[E], { ok: true }> };

describe('NamespaceEventCatalog', () => {
  it('lists exactly the events of each event map (no missing, no extra)', () => {
    expectTypeOf<keyof Catalog>().toEqualTypeOf<NamespaceName>();
    expectTypeOf<keyof Catalog['/prices']['clientToServer']>().toEqualTypeOf<keyof ClientToServerEvents<'/prices'>>();
    expectTypeOf<keyof Catalog['/prices']['serverToClient']>().toEqualTypeOf<keyof ServerToClientEvents<'/prices'>>();
    expectTypeOf<keyof Catalog['/market']['clientToServer']>().toEqualTypeOf<keyof ClientToServerEvents<'/market'>>();
    expectTypeOf<keyof Catalog['/market']['serverToClient']>().toEqualTypeOf<keyof ServerToClientEvents<'/market'>>();
    expectTypeOf<keyof Catalog['/user']['clientToServer']>().toEqualTypeOf<keyof ClientToServerEvents<'/user'>>();
    expectTypeOf<keyof Catalog['/user']['serverToClient']>().toEqualTypeOf<keyof ServerToClientEvents<'/user'>>();
    expectTypeOf<keyof Catalog['/admin']['clientToServer']>().toEqualTypeOf<keyof ClientToServerEvents<'/admin'>>();
    expectTypeOf<keyof Catalog['/admin']['serverToClient']>().toEqualTypeOf<keyof ServerToClientEvents<'/admin'>>();
    // The check bites: /user lacks the /prices subscription requests.
    // @ts-expect-error different event sets
    expectTypeOf<keyof Catalog['/user']['clientToServer']>().toEqualTypeOf<keyof ClientToServerEvents<'/prices'>>();
  });

  it("describes each server→client payload with the event map's own type", () => {
    expectTypeOf<CatalogPayloads<Catalog['/prices']['serverToClient']>>().toEqualTypeOf<
      Payloads<ServerToClientEvents<'/prices'>>
    >();
    expectTypeOf<CatalogPayloads<Catalog['/market']['serverToClient']>>().toEqualTypeOf<
      Payloads<ServerToClientEvents<'/market'>>
    >();
    expectTypeOf<CatalogPayloads<Catalog['/user']['serverToClient']>>().toEqualTypeOf<
      Payloads<ServerToClientEvents<'/user'>>
    >();
    expectTypeOf<CatalogPayloads<Catalog['/admin']['serverToClient']>>().toEqualTypeOf<
      Payloads<ServerToClientEvents<'/admin'>>
    >();
  });

  it("describes each client→server payload with the event map's own type", () => {
    expectTypeOf<CatalogPayloads<Catalog['/prices']['clientToServer']>>().toEqualTypeOf<
      Payloads<ClientToServerEvents<'/prices'>>
    >();
    expectTypeOf<CatalogPayloads<Catalog['/market']['clientToServer']>>().toEqualTypeOf<
      Payloads<ClientToServerEvents<'/market'>>
    >();
    expectTypeOf<CatalogPayloads<Catalog['/admin']['clientToServer']>>().toEqualTypeOf<
      Payloads<ClientToServerEvents<'/admin'>>
    >();
  });

  it('gives every request an ack schema whose result the ack type accepts', () => {
    expectTypeOf<CatalogAcks<Catalog['/prices']['clientToServer']>>().toExtend<OkOf<ClientToServerEvents<'/prices'>>>();
    expectTypeOf<CatalogAcks<Catalog['/market']['clientToServer']>>().toExtend<OkOf<ClientToServerEvents<'/market'>>>();
    expectTypeOf<CatalogAcks<Catalog['/user']['clientToServer']>>().toExtend<OkOf<ClientToServerEvents<'/user'>>>();
    expectTypeOf<CatalogAcks<Catalog['/admin']['clientToServer']>>().toExtend<OkOf<ClientToServerEvents<'/admin'>>>();
    expectTypeOf<OkOf<ClientToServerEvents<'/prices'>>['subscribe']>().toEqualTypeOf<
      Extract<Ack<{ symbols: string[] }>, { ok: true }>
    >();
  });
});
