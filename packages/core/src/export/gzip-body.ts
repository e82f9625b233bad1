import type { ServerResponse } from 'node:http';
import { constants, createGzip } from 'node:zlib';

/**
 * Writes the exposition's chunks to `res` through gzip and resolves once the response is finished
 * or closed (cut off at the scrape deadline, or by the scraper).
 *
 * node:zlib's stream compresses in libuv's thread pool, so the event loop only hands chunks over;
 * the level is zlib's fastest, because the exposition (the same label sets and bucket bounds over
 * and over) is already 10-20 times smaller there and the pool is shared with the app's fs, dns and
 * crypto work. Backpressure runs end to end: a scraper that reads slowly fills the response, `pipe`
 * pauses the compressor, the compressor's buffer fills and the next chunk waits — nothing of a large
 * exposition is buffered beyond a few chunks.
 */
export async function writeGzipped(res: ServerResponse, chunks: AsyncIterable<string>): Promise<void> {
  const gzip = createGzip({ level: constants.Z_BEST_SPEED });
  // A response closed early (deadline, scraper gone) lets go of the compressor and its buffers.
  const onClose = () => gzip.destroy();
  res.once('close', onClose);
  gzip.once('error', () => res.destroy());
  gzip.pipe(res);
  for await (const chunk of chunks) {
    if (res.destroyed) return;
    if (!gzip.write(chunk)) await oneOf(gzip, 'drain', res);
  }
  if (res.destroyed) return;
  gzip.end();
  await oneOf(res, 'finish', res);
}

/** Resolves on `emitter`'s `event`, or when `res` closes (then the event never comes). */
function oneOf(emitter: NodeJS.EventEmitter, event: string, res: ServerResponse): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      emitter.off(event, done);
      res.off('close', done);
      resolve();
    };
    emitter.on(event, done);
    res.on('close', done);
  });
}
