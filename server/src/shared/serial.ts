/**
 * One queue per key (a bank, a guess budget): work handed in for the same key runs one piece
 * after another, in the order it was handed in, each started only when the
 * one before it has settled (resolved or failed). Work for different keys
 * runs side by side.
 *
 * Why: with the asynchronous Db a controller's messages no longer run to the
 * end one at a time; two of them (a connection_init and its socket's close,
 * two event batches, a status change and a sign of life) could interleave
 * their reads and writes and store a different result than one after the
 * other would. Queuing them per bank keeps the order they arrived in.
 * The attempt budgets (attempts/service.ts) queue their transactions per bank
 * too: concurrent guesses at one bank touch the same counters, and on
 * PostgreSQL (SERIALIZABLE) they would otherwise abort and retry each other.
 *
 * Never hand in work that waits, inside a transaction, for other work of the
 * same queue: it would wait for ever.
 */
export function createSerialQueues() {
  const tails = new Map<string, Promise<unknown>>();
  return {
    /** Runs `fn` after the work already queued for `key`; its own result or failure is returned. */
    run<T>(key: string, fn: () => Promise<T>): Promise<T> {
      const before = tails.get(key) ?? Promise.resolve();
      // A failure before us is its caller's to handle; we run anyway.
      const result = before.then(fn, fn);
      const tail = result.then(
        () => undefined,
        () => undefined,
      );
      tails.set(key, tail);
      // Forget the key once its queue is empty, so the map does not grow with every bank ever seen.
      void tail.then(() => {
        if (tails.get(key) === tail) tails.delete(key);
      });
      return result;
    },
    /** Keys with work queued or running (for tests). */
    size: () => tails.size,
  };
}
export type SerialQueues = ReturnType<typeof createSerialQueues>;
