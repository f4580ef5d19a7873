import type {
  AckError,
  AdminBroadcastResult,
  AdminCommandAck,
  AdminMetricsResult,
  AnyAdminCommandResult,
  AuthRefreshResult,
  ErrorCode,
  ErrorCodeSchema,
  MarketChannel,
  MarketChannelSchema,
  MarketSnapshotResult,
  MarketSubscribeRequest,
  MarketSubscribeResult,
  PingResult,
  PricesSubscribeResult,
  publishValidators,
  WsErrorPayload,
} from '@ws/protocol';
import type { Static } from 'typebox';
import { describe, expectTypeOf, it } from 'vitest';

type Ok<T> = { ok: true } & T;

describe('static types of the schemas', () => {
  it('unions built from the code tables are the code unions, not never', () => {
    expectTypeOf<Static<typeof ErrorCodeSchema>>().toEqualTypeOf<ErrorCode>();
    expectTypeOf<Static<typeof MarketChannelSchema>>().toEqualTypeOf<MarketChannel>();
    expectTypeOf<Static<typeof AdminCommandAck>['result']>().toEqualTypeOf<AnyAdminCommandResult>();
    expectTypeOf<MarketSubscribeRequest['channels']>().toEqualTypeOf<MarketChannel[]>();
  });

  it('the error schemas match their hand-written types', () => {
    expectTypeOf<Static<typeof WsErrorPayload>>().toEqualTypeOf<WsErrorPayload>();
    expectTypeOf<Static<typeof AckError>>().toEqualTypeOf<AckError>();
  });

  it('each ack schema describes { ok: true } and its result type', () => {
    expectTypeOf<Static<typeof PingResult>>().branded.toEqualTypeOf<Ok<PingResult>>();
    expectTypeOf<Static<typeof AuthRefreshResult>>().branded.toEqualTypeOf<Ok<AuthRefreshResult>>();
    expectTypeOf<Static<typeof PricesSubscribeResult>>().branded.toEqualTypeOf<Ok<PricesSubscribeResult>>();
    expectTypeOf<Static<typeof MarketSubscribeResult>>().branded.toEqualTypeOf<Ok<MarketSubscribeResult>>();
    expectTypeOf<Static<typeof MarketSnapshotResult>>().branded.toEqualTypeOf<Ok<MarketSnapshotResult>>();
    expectTypeOf<Static<typeof AdminMetricsResult>>().branded.toEqualTypeOf<Ok<AdminMetricsResult>>();
    expectTypeOf<Static<typeof AdminBroadcastResult>>().branded.toEqualTypeOf<Ok<AdminBroadcastResult>>();
  });

  it('validated publish input narrows to the input type', () => {
    const result = ({} as (typeof publishValidators)['price.update']['input']).validate({});
    if (result.ok) {
      expectTypeOf(result.value.symbol).toEqualTypeOf<string>();
      expectTypeOf(result.value.price).toEqualTypeOf<string | number>();
    }
  });
});
