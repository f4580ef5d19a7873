// The chaos run's publisher as its own process (IPC with the run): a backend service publishing through the
// load balancer's `POST /api/v1/publish`, never sharing an event loop with the clients it is measured by.
import { ChaosPublisher, type PublisherCommand, type PublisherReport } from './chaos-publisher.js';

let publisher: ChaosPublisher | undefined;
const reply = (report: PublisherReport) => process.send?.(report);

process.on('message', (command: PublisherCommand) => {
  const run = async () => {
    switch (command.type) {
      case 'start':
        publisher = new ChaosPublisher(command.options);
        await publisher.start();
        reply({ type: 'started' });
        return;
      case 'burst':
        reply({ type: 'burst-sent', accepted: (await publisher?.burst(command.count)) ?? false });
        return;
      case 'mark':
        reply({ type: 'marked', phase: command.phase, attempts: (await publisher?.mark(command.phase)) ?? 0 });
        return;
      case 'stop':
        await publisher?.stop();
        reply({
          type: 'stopped',
          stats: publisher?.stats ?? { requests: 0, acceptedItems: 0, failedItems: 0, failuresByStatus: {} },
        });
        process.disconnect?.();
        return;
    }
  };
  run().catch((err: unknown) => {
    process.stderr.write(`chaos publisher: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exit(1);
  });
});
process.on('disconnect', () => process.exit(0));
