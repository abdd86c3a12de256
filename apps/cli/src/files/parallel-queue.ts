/**
 * Runs `work` on every item with at most `concurrency` at a time, in order of the items; resolves
 * when all are done. A failing item does not stop the others: `work` should catch what it can.
 */
export async function forEachInParallel<T>(items: readonly T[], concurrency: number, work: (item: T, index: number) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const index = next;
      next += 1;
      await work(items[index] as T, index);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(concurrency, items.length)) }, worker));
}
