import type { ViewProps } from '../app.js';
import { formatNumber } from '../format.js';
import { usePoll } from '../use-poll.js';

/** Rooms and subscriptions of the node that answers, by namespace, with the busiest rooms and symbols. */
export function SubscriptionsView({ conn }: ViewProps) {
  const { data, error } = usePoll(() => conn.command('subscriptions.stats'), 5_000);
  const stats = data?.stats;
  return (
    <section aria-labelledby="subscriptions-title">
      <h2 id="subscriptions-title">Subscriptions</h2>
      {error ? (
        <p class="error" role="alert">
          {error}
        </p>
      ) : null}
      {stats ? (
        <>
          <dl class="tiles">
            <div class="tile">
              <dt>Rooms</dt>
              <dd>{formatNumber(stats.rooms)}</dd>
            </div>
            <div class="tile">
              <dt>Subscriptions</dt>
              <dd>{formatNumber(stats.subscriptions)}</dd>
            </div>
            {Object.entries(stats.byNamespace).map(([ns, n]) => (
              <div class="tile" key={ns}>
                <dt>{ns}</dt>
                <dd>{formatNumber(n)}</dd>
              </div>
            ))}
          </dl>
          <div class="columns">
            <table>
              <caption>Top symbols</caption>
              <thead>
                <tr>
                  <th scope="col">Symbol</th>
                  <th scope="col">Subscribers</th>
                </tr>
              </thead>
              <tbody>
                {stats.topSymbols.map((s) => (
                  <tr key={s.symbol}>
                    <td>{s.symbol}</td>
                    <td>{formatNumber(s.subscribers)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
            <table>
              <caption>Top rooms</caption>
              <thead>
                <tr>
                  <th scope="col">Room</th>
                  <th scope="col">Subscribers</th>
                </tr>
              </thead>
              <tbody>
                {stats.topRooms.map((r) => (
                  <tr key={r.room}>
                    <td>
                      <code>{r.room}</code>
                    </td>
                    <td>{formatNumber(r.subscribers)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        </>
      ) : (
        <p class="help">Loading…</p>
      )}
    </section>
  );
}
