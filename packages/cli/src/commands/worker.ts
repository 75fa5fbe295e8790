/**
 * `rfm worker`: runs rfm jobs (sharded scoring, grid runs) from a Redis queue on this machine.
 *
 * @packageDocumentation
 */
import { intFlag, parseCommandArgs, requiredString } from '../args.js';
import type { CliCommand } from '../command.js';
import { loadBullmqQueue } from '../jobs/open-queue.js';
import { PROCESSOR_FILE } from '../jobs/processor.js';

const HELP = `Usage: rfm worker --queue redis://HOST:PORT [--concurrency N] [--lock-seconds S]

Runs the jobs that rfm eval --shards K --queue URL and rfm compare --config FILE --queue URL submit,
until Ctrl-C (SIGINT) or SIGTERM, which let the running jobs finish. Each job runs in its own child
process (BullMQ sandboxed processor), so heavy TensorFlow.js work never delays the lock renewals;
a child keeps its model loaded across jobs. Start one worker per machine; every machine must see
the data, model and output paths of the jobs at the same absolute paths (a shared filesystem).
Needs the package @rfm/queue-bullmq. See docs/scale-out.md.

  --queue URL        redis://HOST:PORT[/DB] (the same URL as the submitting command)
  --concurrency N    jobs run at once on this machine, one child process each (default 1; about
                     one per 2 cores for TensorFlow.js)
  --lock-seconds S   lock of a running job (default 30): when a worker dies (killed, machine lost),
                     its job goes back to the queue after about S seconds and runs elsewhere
`;

/** The `worker` command. */
export const workerCommand: CliCommand = {
  name: 'worker',
  summary: 'run queued rfm jobs (sharded scoring, experiment grids) from a Redis queue',
  help: HELP,
  async run(args, io) {
    const p = parseCommandArgs('worker', args, { queue: { type: 'string' }, concurrency: { type: 'string' }, 'lock-seconds': { type: 'string' } });
    const url = requiredString(p, 'queue', 'worker');
    const concurrency = intFlag(p, 'concurrency', 'worker', 1, 256) ?? 1;
    const lockSeconds = intFlag(p, 'lock-seconds', 'worker', 1, 3600) ?? 30;
    const { startBullWorker, parseRedisUrl } = await loadBullmqQueue();
    parseRedisUrl(url);
    const worker = await startBullWorker({
      url,
      concurrency,
      processorFile: PROCESSOR_FILE,
      lockDurationMs: lockSeconds * 1000,
      log: (line) => io.err(`worker: ${line}\n`),
    });
    io.err(`worker: ready on ${url}, ${concurrency} job(s) at once (pid ${process.pid})\n`);
    await new Promise<void>((done) => {
      const stop = (): void => {
        process.off('SIGINT', stop);
        process.off('SIGTERM', stop);
        io.err('worker: stopping after the running jobs\n');
        done();
      };
      process.on('SIGINT', stop);
      process.on('SIGTERM', stop);
    });
    await worker.close();
  },
};
