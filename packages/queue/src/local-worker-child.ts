/**
 * Entry of a worker process of {@link LocalJobQueue}: loads the processor module given as its
 * first argument once, then runs the jobs its parent sends, one at a time.
 *
 * @packageDocumentation
 */
import { pathToFileURL } from 'node:url';
import { isUnrecoverable } from './errors.js';
import type { ChildReply, ChildRequest } from './local-worker-protocol.js';

const file = process.argv[2];
if (!file || !process.send) {
  process.stderr.write('local-worker-child: run by LocalJobQueue (needs an IPC channel and a processor module)\n');
  process.exit(2);
}
const processor = (await import(pathToFileURL(file).href)) as { default: (job: { id: string; data: unknown; attemptsMade: number }) => Promise<unknown> };
let queue = Promise.resolve();
process.on('message', (m: ChildRequest) => {
  queue = queue.then(async () => {
    let reply: ChildReply;
    try {
      reply = { id: m.id, ok: true, result: (await processor.default({ id: m.id, data: m.data, attemptsMade: m.attemptsMade })) ?? null };
    } catch (e) {
      reply = { id: m.id, ok: false, reason: e instanceof Error ? e.message : String(e), unrecoverable: isUnrecoverable(e) };
    }
    process.send!(reply);
  });
});
process.on('SIGTERM', () => process.exit(0));
