// A bounded concurrent map: import checks thousands of files, and starting every sharp call at
// once would queue them all in libuv and hold every decoded mask in memory together.

/** Runs fn over items with at most `limit` in flight; results keep the input order. */
export async function mapPool<T, R>(
  items: readonly T[],
  limit: number,
  fn: (item: T, index: number) => Promise<R>,
  onDone?: (done: number, total: number) => void,
): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  let done = 0;
  async function worker(): Promise<void> {
    while (next < items.length) {
      const i = next++;
      results[i] = await fn(items[i]!, i);
      done++;
      onDone?.(done, items.length);
    }
  }
  const workers = Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, () => worker());
  await Promise.all(workers);
  return results;
}

/**
 * A limiter for calls that arrive one by one (not as a list): at most `limit` tasks run at once,
 * the rest wait in call order. The batch loader asks for whole batches ahead of time; without a
 * bound, batch 64 × 3 prefetched batches would hold ~200 full-size decoded photos at once.
 */
export function createLimiter(limit: number): <R>(task: () => Promise<R>) => Promise<R> {
  const max = Math.max(1, Math.floor(limit));
  let running = 0;
  const waiting: Array<() => void> = [];
  const release = () => {
    running--;
    waiting.shift()?.();
  };
  return async <R>(task: () => Promise<R>): Promise<R> => {
    if (running >= max) await new Promise<void>((resolve) => waiting.push(resolve));
    running++;
    try {
      return await task();
    } finally {
      release();
    }
  };
}
