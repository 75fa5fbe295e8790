/**
 * `rfm queue status`: jobs per state on a Redis queue.
 *
 * @packageDocumentation
 */
import { parseCommandArgs, requiredString } from '../args.js';
import { CliUsageError, type CliCommand } from '../command.js';
import { loadBullmqQueue } from '../jobs/open-queue.js';

const HELP = `Usage: rfm queue status --queue redis://HOST:PORT [--json]

Prints how many rfm jobs wait (including retries waiting out their back-off), run, finished and
failed for good on the queue that rfm worker serves.

  --queue URL   redis://HOST:PORT[/DB]
  --json        print the counts as JSON
`;

/** The `queue` command. */
export const queueCommand: CliCommand = {
  name: 'queue',
  summary: 'show the progress of a Redis job queue (rfm queue status --queue URL)',
  help: HELP,
  async run(args, io) {
    const p = parseCommandArgs('queue', args, { queue: { type: 'string' }, json: { type: 'boolean' } }, true);
    const [action, ...rest] = p.positionals;
    if (action !== 'status' || rest.length > 0) throw new CliUsageError(`queue: expected "rfm queue status --queue URL", got "${p.positionals.join(' ') || '(nothing)'}"`);
    const url = requiredString(p, 'queue', 'queue');
    const { BullJobQueue } = await loadBullmqQueue();
    const queue = new BullJobQueue({ url });
    try {
      const c = await queue.counts();
      const total = c.waiting + c.active + c.completed + c.failed;
      if (p.values.json) io.out(`${JSON.stringify({ ...c, total })}\n`);
      else io.out(`${url}: ${c.completed}/${total} finished, ${c.active} running, ${c.waiting} waiting, ${c.failed} failed\n`);
    } finally {
      await queue.close();
    }
  },
};
