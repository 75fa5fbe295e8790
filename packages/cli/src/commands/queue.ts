/**
 * `rfm queue status`: jobs per state on a Redis queue.
 *
 * @packageDocumentation
 */
import { CliUsageError, type CliCommand } from '../command.js';
import { commandHelp, parseFlags, type FlagSpec } from '../flags.js';
import { loadBullmqQueue } from '../jobs/open-queue.js';

/** Flags of `rfm queue status`. */
export const QUEUE_FLAGS: readonly FlagSpec[] = [
  { name: 'queue', kind: 'string', value: 'URL', required: true, help: 'redis://HOST:PORT[/DB]' },
  { name: 'json', kind: 'boolean', help: 'print the counts as JSON' },
];

const HELP = commandHelp(
  'Usage: rfm queue status --queue redis://HOST:PORT [--json]',
  `Prints how many rfm jobs wait (including retries waiting out their back-off), run, finished and
failed for good on the queue that rfm worker serves.`,
  QUEUE_FLAGS,
);

/** The `queue` command. */
export const queueCommand: CliCommand = {
  name: 'queue',
  summary: 'show the progress of a Redis job queue (rfm queue status --queue URL)',
  help: HELP,
  flags: QUEUE_FLAGS,
  async run(args, io) {
    const p = parseFlags('queue', args, QUEUE_FLAGS, true);
    const [action, ...rest] = p.positionals;
    if (action !== 'status' || rest.length > 0) throw new CliUsageError(`queue: expected "rfm queue status --queue URL", got "${p.positionals.join(' ') || '(nothing)'}"`);
    const url = p.required('queue');
    const { BullJobQueue } = await loadBullmqQueue();
    const queue = new BullJobQueue({ url });
    try {
      const c = await queue.counts();
      const total = c.waiting + c.active + c.completed + c.failed;
      if (p.bool('json')) io.out(`${JSON.stringify({ ...c, total })}\n`);
      else io.out(`${url}: ${c.completed}/${total} finished, ${c.active} running, ${c.waiting} waiting, ${c.failed} failed\n`);
    } finally {
      await queue.close();
    }
  },
};
