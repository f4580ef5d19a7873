import {
  type ErrorCode,
  ErrorCodes,
  inboundValidators,
  NAMESPACE_NAMES,
  type NamespaceName,
  PUBLISHABLE_EVENT_NAMES,
  type ServerToClientEvents,
} from '@ws/protocol';

/** Label value for anything outside a bounded set, so label cardinality never grows with input. */
export const OTHER = 'other';

export type NamespaceLabel = NamespaceName | typeof OTHER;
export type ErrorCodeLabel = ErrorCode | typeof OTHER;

type ServerOnlyEvent =
  | keyof ServerToClientEvents<'/prices'>
  | keyof ServerToClientEvents<'/market'>
  | keyof ServerToClientEvents<'/user'>
  | keyof ServerToClientEvents<'/admin'>;

// Server→client events that are not publishable; typed against the event maps so a rename breaks the build.
const serverOnlyEvents = [
  'connection.authenticated',
  'subscription.confirmed',
  'error',
  'admin.stats',
  'admin.alert',
  'admin.metrics',
] as const satisfies readonly ServerOnlyEvent[];

/** Every event name of the protocol, both directions: the only values the `event` label takes besides "other". */
export const METRIC_EVENT_NAMES: readonly string[] = [
  ...new Set<string>([
    ...Object.values(inboundValidators).flatMap((group) => Object.keys(group)),
    ...PUBLISHABLE_EVENT_NAMES,
    ...serverOnlyEvents,
  ]),
];

export const METRIC_NAMESPACES: readonly NamespaceLabel[] = [...NAMESPACE_NAMES, OTHER];
export const METRIC_ERROR_CODES: readonly ErrorCodeLabel[] = [...Object.values(ErrorCodes), OTHER];

const eventSet: ReadonlySet<string> = new Set(METRIC_EVENT_NAMES);
const namespaceSet: ReadonlySet<string> = new Set(NAMESPACE_NAMES);
const codeSet: ReadonlySet<string> = new Set(Object.values(ErrorCodes));

export function namespaceLabel(ns: string): NamespaceLabel {
  return namespaceSet.has(ns) ? (ns as NamespaceName) : OTHER;
}

export function eventLabel(event: string): string {
  return eventSet.has(event) ? event : OTHER;
}

export function errorCodeLabel(code: string): ErrorCodeLabel {
  return codeSet.has(code) ? (code as ErrorCode) : OTHER;
}
