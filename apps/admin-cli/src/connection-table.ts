import type { ConnectionInfo } from '@ws/protocol';
import { type Column, formatAge, formatNumber } from './output.js';

interface ConnectionColumn extends Column {
  cell(c: ConnectionInfo, now: number, missing: string): string;
  /** Left out of the compact table. */
  wide?: true;
}

// One list for `connections list` and the dashboard's connection list, so both read the same way.
const COLUMNS: readonly ConnectionColumn[] = [
  { header: 'SOCKET ID', cell: (c) => c.socketId },
  { header: 'NAMESPACE', cell: (c) => c.namespace },
  { header: 'USER', cell: (c, _, missing) => c.userId ?? missing },
  { header: 'ROLE', cell: (c, _, missing) => c.role ?? missing },
  { header: 'IP', cell: (c) => c.ip },
  { header: 'AGE', align: 'right', cell: (c, now) => formatAge(c.connectedAt, now) },
  { header: 'ROOMS', align: 'right', cell: (c) => formatNumber(c.rooms.length), wide: true },
  { header: 'IN', align: 'right', cell: (c) => formatNumber(c.messagesIn) },
  { header: 'OUT', align: 'right', cell: (c) => formatNumber(c.messagesOut) },
  { header: 'NODE', cell: (c) => c.nodeId, wide: true },
];

export interface ConnectionTableOptions {
  /** Without ROOMS and NODE: the dashboard's list has to fit a terminal. */
  compact?: boolean;
  /** The cell of a missing user or role (the CLI dims it). */
  missing?: string;
  now?: number;
}

/** The columns and one row per connection of the connection table, in `connections` order. */
export function connectionTable(
  connections: readonly ConnectionInfo[],
  options: ConnectionTableOptions = {},
): { columns: readonly Column[]; rows: string[][] } {
  const { compact = false, missing = '-', now = Date.now() } = options;
  const columns = compact ? COLUMNS.filter((c) => !c.wide) : COLUMNS;
  return {
    columns,
    rows: connections.map((c) => columns.map((column) => column.cell(c, now, missing))),
  };
}
