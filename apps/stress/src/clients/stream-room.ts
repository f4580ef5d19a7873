import { isStreamEventName, PublishableEventTraits } from '@ws/protocol';

/** The namespace a stream event belongs to (the protocol's event traits); `/user` for anything else. */
export function namespaceOfEvent(event: string): string {
  return isStreamEventName(event) ? PublishableEventTraits[event].namespace : '/user';
}

/**
 * The room whose `seq` a message continues (seq is per room), from its event and symbol. One connection
 * has one user, so a private stream is one room per connection and named by its family alone.
 */
export function roomOfEvent(event: string, symbol: string | null): string {
  if (!isStreamEventName(event)) return event;
  const { stream, private: isPrivate } = PublishableEventTraits[event];
  return isPrivate ? stream : `${stream}:${symbol ?? ''}`;
}

/** Whether the connection's rooms of this event are keyed by the user rather than by a symbol. */
export function isPrivateStreamEvent(event: string): boolean {
  return isStreamEventName(event) && PublishableEventTraits[event].private;
}

/** Events that carry the publisher's sub-ms stamp in a decimal field when this tool publishes them. */
export const STAMP_FIELDS: Readonly<Record<string, string>> = { 'price.update': 'volume' };

/** Published stream events, as opposed to lifecycle events (`connection.authenticated`, `subscription.confirmed`…). */
export const isStreamEvent: (event: string) => boolean = isStreamEventName;
