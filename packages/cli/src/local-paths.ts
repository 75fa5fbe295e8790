/**
 * rfm reads and writes local paths only (a mounted network or object-store filesystem is a local
 * path); an object-store or web URL given as a path is refused with the way to use it.
 *
 * @packageDocumentation
 */
import { CliUsageError } from './command.js';

/** `scheme://...`: an object-store (s3://, gs://, az://) or web URL rather than a path. */
const URL_LIKE = /^([a-z][a-z0-9+.-]*):\/\//i;

/**
 * Refuses a URL given where rfm expects a file or folder.
 *
 * @param where - what names the value in the message, e.g. `eval: --data`
 * @param value - the value given
 * @throws {@link CliUsageError} naming the value and how to mount the store instead
 */
export function checkLocalPath(where: string, value: string): void {
  const scheme = URL_LIKE.exec(value)?.[1];
  if (scheme === undefined) return;
  throw new CliUsageError(
    `${where} ${value}: rfm reads and writes files on local paths only, not ${scheme.toLowerCase()}:// URLs; mount the store as a ` +
      'filesystem (S3: s3fs or rclone mount, or mountpoint-s3 for data that is only read; Google Cloud Storage: gcsfuse; Azure: blobfuse2) and give the mounted path ' +
      '(the same path on every machine of a fleet; see docs/scale-out.md)',
  );
}
