/** One unary call; resolves when it succeeded, rejects otherwise. */
export type UnaryCall = () => Promise<void>;

/** Latency (ms) of each call made one at a time, back to back, for `seconds`. */
export async function oneAtATime(call: UnaryCall, seconds: number): Promise<number[]> {
  const latenciesMs: number[] = [];
  const end = performance.now() + seconds * 1_000;
  while (performance.now() < end) {
    const started = performance.now();
    await call();
    latenciesMs.push(performance.now() - started);
  }
  return latenciesMs;
}

/**
 * Keeps `inFlight` calls outstanding for `seconds` (closed loop: each completion starts the next
 * call); answers completed calls per second and each call's latency (ms).
 */
export async function keepInFlight(call: UnaryCall, inFlight: number, seconds: number): Promise<{ ratePerSecond: number; latenciesMs: number[] }> {
  const latenciesMs: number[] = [];
  const started = performance.now();
  const end = started + seconds * 1_000;
  const lane = async (): Promise<void> => {
    while (performance.now() < end) {
      const callStarted = performance.now();
      await call();
      latenciesMs.push(performance.now() - callStarted);
    }
  };
  await Promise.all(Array.from({ length: inFlight }, () => lane()));
  const elapsed = (performance.now() - started) / 1_000;
  return { ratePerSecond: latenciesMs.length / elapsed, latenciesMs };
}
