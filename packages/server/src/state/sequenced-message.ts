import type { NamespaceName } from '@ws/protocol';

/** What the cluster store keeps for a message besides its seq: nothing, the latest state, `/user` history or the book. */
export type SequencedKind = 'plain' | 'snapshot' | 'history' | 'depth';

/** A validated, normalised message ready for its global seq. */
export interface SequencedMessage {
  namespace: NamespaceName;
  room: string;
  event: string;
  data: Record<string, unknown>;
  kind: SequencedKind;
  /** When the message entered the platform (epoch ms), carried on the bus for propagation latency. */
  enteredAt?: number;
}

/** A message as it comes back from the bus or the history. */
export interface BusMessage {
  seq: number;
  /** The room's seq before this message (the depth stream's `prevSeq`). */
  prevSeq: number;
  namespace: NamespaceName;
  room: string;
  event: string;
  data: Record<string, unknown>;
  /** When the message entered the platform on the publishing node (epoch ms); absent in older messages. */
  enteredAt?: number;
}
