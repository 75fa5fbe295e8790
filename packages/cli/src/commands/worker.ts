/**
 * `rfm worker`: runs rfm jobs (sharded scoring and prediction, grid runs, prepare) from a Redis queue on this machine.
 *
 * @packageDocumentation
 */
import type { CliCommand } from '../command.js';
import { commandHelp, parseFlags, type FlagSpec } from '../flags.js';
import { loadBullmqQueue } from '../jobs/open-queue.js';
import { PROCESSOR_FILE } from '../jobs/processor.js';
import { shareCoresWithWorkers } from '../jobs/worker-backend.js';

/** Flags of `rfm worker`. */
export const WORKER_FLAGS: readonly FlagSpec[] = [
  { name: 'queue', kind: 'string', value: 'URL', required: true, help: 'redis://HOST:PORT[/DB] (the same URL as the submitting command)' },
  {
    name: 'concurrency',
    kind: 'int',
    value: 'N',
    min: 1,
    max: 256,
    default: 1,
    help: 'jobs run at once on this machine, one child process each (about one per 2 cores\nfor TensorFlow.js)',
  },
  {
    name: 'lock-seconds',
    kind: 'int',
    value: 'S',
    min: 1,
    max: 3600,
    default: 30,
    help: 'lock of a running job: when a worker dies (killed, machine lost), its job goes\nback to the queue after about S seconds and runs elsewhere',
  },
];

const HELP = commandHelp(
  'Usage: rfm worker --queue redis://HOST:PORT [--concurrency N] [--lock-seconds S]',
  `Runs the jobs that rfm eval --shards K, rfm predict --shards K, rfm compare --config FILE and
rfm prepare submit with --queue URL, until Ctrl-C (SIGINT) or SIGTERM, which let the running jobs
finish. Each job runs in its own child process (BullMQ sandboxed processor), so heavy TensorFlow.js
work never delays the lock renewals; a child keeps its model loaded across jobs, and the backend
threads that rfm train, eval or predict would choose for its first job's model, counted on its
share of the cores (cores / N). Start one worker per machine; every machine must see the data,
model and output paths of the jobs at the same absolute paths (a shared filesystem, or an object
store mounted as one, e.g. with mountpoint-s3). Needs the package @rfm/queue-bullmq. See
docs/scale-out.md.`,
  WORKER_FLAGS,
);

/** The `worker` command. */
export const workerCommand: CliCommand = {
  name: 'worker',
  summary: 'run queued rfm jobs (sharded scoring and prediction, experiment grids, prepare) from a Redis queue',
  help: HELP,
  flags: WORKER_FLAGS,
  async run(args, io) {
    const f = parseFlags('worker', args, WORKER_FLAGS);
    const url = f.required('queue');
    const concurrency = f.number('concurrency')!;
    const lockSeconds = f.number('lock-seconds')!;
    const { startBullWorker, parseRedisUrl } = await loadBullmqQueue();
    parseRedisUrl(url);
    // Each job's child process sizes its backend's threads on its share of the cores.
    const cores = shareCoresWithWorkers(concurrency);
    const worker = await startBullWorker({
      url,
      concurrency,
      processorFile: PROCESSOR_FILE,
      lockDurationMs: lockSeconds * 1000,
      log: (line) => io.err(`worker: ${line}\n`),
    });
    io.err(`worker: ready on ${url}, ${concurrency} job(s) at once, ${cores} core${cores === 1 ? '' : 's'} each (pid ${process.pid})\n`);
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
