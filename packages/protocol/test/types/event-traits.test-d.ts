import type { PublishableEventName, PublishItem, PublishRequest, StreamEventName } from '@ws/protocol';
import { PublishableEvents } from '@ws/protocol';
import { describe, expectTypeOf, it } from 'vitest';

describe('event traits and the publish envelope', () => {
  it('stream events are the publishable events that have a room', () => {
    expectTypeOf<Exclude<PublishableEventName, StreamEventName>>().toEqualTypeOf<'system.message'>();
  });

  it('keeps each catalog entry’s traits as literals', () => {
    expectTypeOf(PublishableEvents['market.depth'].state).toEqualTypeOf<'book'>();
    expectTypeOf(PublishableEvents['order.new'].private).toEqualTypeOf<true>();
    expectTypeOf(PublishableEvents['system.message'].stream).toEqualTypeOf<null>();
  });

  it('PublishItem is the envelope every publisher builds', () => {
    expectTypeOf<PublishItem>().toEqualTypeOf<{
      event: PublishableEventName;
      data: Record<string, unknown>;
      userId?: string;
    }>();
    expectTypeOf<PublishRequest>().toEqualTypeOf<PublishItem | PublishItem[]>();
  });
});
