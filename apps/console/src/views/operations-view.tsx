import type { MaintenanceState, SystemMessageType } from '@ws/protocol';
import { useState } from 'preact/hooks';
import { describeFailure } from '../admin-connection.js';
import type { ViewProps } from '../app.js';
import { ConfirmDialog } from '../confirm-dialog.js';

const TYPES: SystemMessageType[] = ['info', 'warning', 'critical', 'maintenance'];

interface OperationsProps extends ViewProps {
  maintenance: MaintenanceState | null;
  onMaintenance: (state: MaintenanceState) => void;
}

/** `system.message` to every client, and maintenance mode (cluster-wide) with its message. */
export function OperationsView({ conn, announce, maintenance, onMaintenance }: OperationsProps) {
  const [type, setType] = useState<SystemMessageType>('info');
  const [message, setMessage] = useState('');
  const [maintenanceMessage, setMaintenanceMessage] = useState('');
  const [confirm, setConfirm] = useState<'broadcast' | 'maintenance-on' | 'maintenance-off' | null>(null);

  async function run(action: NonNullable<typeof confirm>): Promise<void> {
    setConfirm(null);
    try {
      if (action === 'broadcast') {
        await conn.broadcast(type, message.trim());
        announce(`Broadcast sent (${type})`);
        setMessage('');
      } else if (action === 'maintenance-on') {
        const text = maintenanceMessage.trim();
        const result = await conn.command('maintenance.enable', text ? { message: text } : {});
        onMaintenance(result.maintenance);
        announce('Maintenance is on: new non-admin connections are refused');
      } else {
        const result = await conn.command('maintenance.disable');
        onMaintenance(result.maintenance);
        announce('Maintenance is off');
      }
    } catch (err) {
      announce(`Failed: ${describeFailure(err)}`);
    }
  }

  const enabled = maintenance?.enabled === true;
  return (
    <section aria-labelledby="operations-title">
      <h2 id="operations-title">Broadcast & maintenance</h2>
      <div class="columns">
        <form
          class="panel"
          onSubmit={(e) => {
            e.preventDefault();
            if (message.trim()) setConfirm('broadcast');
          }}
        >
          <h3>System broadcast</h3>
          <label for="broadcast-type">Type</label>
          <select
            id="broadcast-type"
            value={type}
            onChange={(e) => setType(e.currentTarget.value as SystemMessageType)}
          >
            {TYPES.map((t) => (
              <option key={t} value={t}>
                {t}
              </option>
            ))}
          </select>
          <label for="broadcast-message">Message</label>
          <textarea
            id="broadcast-message"
            rows={3}
            maxLength={1000}
            required
            value={message}
            onInput={(e) => setMessage(e.currentTarget.value)}
          />
          <button type="submit">Send to every client</button>
        </form>
        <form
          class="panel"
          onSubmit={(e) => {
            e.preventDefault();
            setConfirm(enabled ? 'maintenance-off' : 'maintenance-on');
          }}
        >
          <h3>Maintenance</h3>
          <p data-testid="maintenance-state">
            {maintenance === null
              ? 'State unknown until the first report.'
              : enabled
                ? `On: ${maintenance.message ?? 'maintenance in progress'}`
                : 'Off: every client may connect.'}
          </p>
          <label for="maintenance-message">Message for clients</label>
          <input
            id="maintenance-message"
            maxLength={1000}
            value={maintenanceMessage}
            disabled={enabled}
            onInput={(e) => setMaintenanceMessage(e.currentTarget.value)}
          />
          <button type="submit" class={enabled ? undefined : 'danger'}>
            {enabled ? 'Turn maintenance off' : 'Turn maintenance on'}
          </button>
        </form>
      </div>
      {confirm ? (
        <ConfirmDialog
          title={confirm === 'broadcast' ? 'Send broadcast?' : 'Change maintenance?'}
          confirmLabel={
            confirm === 'broadcast' ? 'Send' : confirm === 'maintenance-on' ? 'Turn maintenance on' : 'Turn it off'
          }
          onCancel={() => setConfirm(null)}
          onConfirm={() => void run(confirm)}
        >
          <p>
            {confirm === 'broadcast'
              ? `Every connected client gets this ${type} message.`
              : confirm === 'maintenance-on'
                ? 'Every node refuses new non-admin connections with MAINTENANCE until it is turned off; connected clients are told.'
                : 'Every node accepts connections again.'}
          </p>
        </ConfirmDialog>
      ) : null}
    </section>
  );
}
