import Type, { type Static } from 'typebox';
import { PUBLISHABLE_EVENT_NAMES } from './event-traits.js';
import { UserId } from './primitives.js';

/**
 * One event a backend service publishes (the gateway's `POST /api/v1/publish`, `publishBatch`): the envelope
 * only. `data` is checked against the event's own input schema (`publishValidators[event].input`) once the
 * event is known, and `userId` is required exactly for private events (`PublishableEventTraits`).
 */
export const PublishItem = Type.Object(
  {
    event: Type.Enum(PUBLISHABLE_EVENT_NAMES, { description: 'a publishable event name' }),
    data: Type.Record(Type.String(), Type.Unknown(), { description: "the event's payload" }),
    /** The recipient of a private event; absent on public ones. */
    userId: Type.Optional(UserId),
  },
  { additionalProperties: false },
);
export type PublishItem = Static<typeof PublishItem>;

/** A publish request body: one item, or a batch that is accepted whole or not at all. */
export const PublishRequest = Type.Union([PublishItem, Type.Array(PublishItem)]);
export type PublishRequest = Static<typeof PublishRequest>;
