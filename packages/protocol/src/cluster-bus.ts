import Type, { type Static } from 'typebox';
import { PUBLISHABLE_EVENT_NAMES, PublishableEventTraits, type StreamEventName } from './event-traits.js';
import { Seq } from './primitives.js';

const sequencedEvents = PUBLISHABLE_EVENT_NAMES.filter(
  (e) => PublishableEventTraits[e].stream !== null,
) as StreamEventName[];

/**
 * A sequenced room message as one node hands it to every other over the cluster bus (and as the Redis
 * history and snapshot keys store it). Nodes trust nothing that arrives there: each message is checked
 * against this schema before it is delivered, so a foreign or corrupted publish on the channel is dropped.
 */
export const ClusterBusMessage = Type.Object(
  {
    seq: Seq,
    /** The room's seq before this message (the depth stream's `prevSeq`). */
    prevSeq: Seq,
    namespace: Type.Union([Type.Literal('/prices'), Type.Literal('/market'), Type.Literal('/user')]),
    room: Type.String({ minLength: 1, maxLength: 200 }),
    event: Type.Enum(sequencedEvents),
    /** The wire payload without `seq`, validated by the publishing node. */
    data: Type.Record(Type.String(), Type.Unknown()),
    /** When the message entered the platform on the publishing node (epoch ms); absent in older messages. */
    enteredAt: Type.Optional(Type.Number()),
  },
  { additionalProperties: false },
);
export type ClusterBusMessage = Static<typeof ClusterBusMessage>;
