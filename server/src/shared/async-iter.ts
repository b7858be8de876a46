/**
 * Async iterators for subscriptions. Written by hand rather than as async
 * generators on purpose: an async generator suspended in `await source.next()`
 * cannot be returned until the source yields again, so a subscriber that
 * leaves a quiet topic would leak its listener. Here `return()` reaches the
 * source at once.
 */
export function transformIterator<S, T>(
  source: AsyncIterator<S>,
  transform: (value: S) => T | undefined | Promise<T | undefined>,
  prefix: readonly S[] = [],
): AsyncIterableIterator<T> {
  const queued = [...prefix];
  let finished = false;
  const iterator: AsyncIterableIterator<T> = {
    async next(): Promise<IteratorResult<T>> {
      while (!finished) {
        const r: IteratorResult<S> = queued.length ? { value: queued.shift() as S, done: false } : await source.next();
        if (r.done) break;
        const out = await transform(r.value);
        if (out !== undefined) return { value: out, done: false };
      }
      finished = true;
      return { value: undefined, done: true };
    },
    async return(): Promise<IteratorResult<T>> {
      finished = true;
      await source.return?.();
      return { value: undefined, done: true };
    },
    async throw(err?: unknown): Promise<IteratorResult<T>> {
      finished = true;
      await source.return?.();
      throw err;
    },
    [Symbol.asyncIterator]() {
      return iterator;
    },
  };
  return iterator;
}
