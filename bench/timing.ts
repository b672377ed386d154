/**
 * Calls `fn` `count` times, awaiting a call only when it returns a promise or another thenable: a
 * synchronous call (a cache hit, the upstream signer) is timed without a promise turn of the
 * harness's own.
 */
async function callTimes(fn: () => unknown, count: number): Promise<void> {
  for (let i = 0; i < count; i++) {
    const result = fn();
    if (typeof (result as { then?: unknown } | null | undefined)?.then === "function") await result;
  }
}

/**
 * Microseconds per call of `fn`: calls are batched so each batch lasts about `batchMs` (cheap calls
 * are otherwise below the timer's noise), and the median of `rounds` batches after a warm-up batch
 * is reported (the median resists another process taking the core for a moment).
 */
export async function perCallUs(fn: () => unknown, options: { rounds?: number; batchMs?: number } = {}): Promise<number> {
  const rounds = options.rounds ?? 9;
  const batchMs = options.batchMs ?? 20;
  const probe = process.hrtime.bigint();
  await callTimes(fn, 5);
  const oneUs = Math.max(Number(process.hrtime.bigint() - probe) / 5000, 0.01);
  const batch = Math.max(1, Math.ceil((batchMs * 1000) / oneUs));
  const times: number[] = [];
  for (let round = 0; round <= rounds; round++) {
    const started = process.hrtime.bigint();
    await callTimes(fn, batch);
    if (round > 0) times.push(Number(process.hrtime.bigint() - started) / 1000 / batch);
  }
  times.sort((a, b) => a - b);
  return times[Math.floor(times.length / 2)] as number;
}

/**
 * Microseconds per call of each function, measured in interleaved rounds (one batch of each per
 * round, median over rounds), so a change in the machine's load touches all of them alike. Every
 * function is warmed up first.
 */
export async function interleavedPerCallUs(fns: readonly (() => unknown)[], options: { rounds?: number; batchMs?: number } = {}): Promise<number[]> {
  const rounds = options.rounds ?? 9;
  const batchMs = options.batchMs ?? 20;
  const batches: number[] = [];
  for (const fn of fns) {
    const probe = process.hrtime.bigint();
    await callTimes(fn, 20);
    const oneUs = Math.max(Number(process.hrtime.bigint() - probe) / 20_000, 0.01);
    batches.push(Math.max(1, Math.ceil((batchMs * 1000) / oneUs)));
  }
  const times: number[][] = fns.map(() => []);
  for (let round = 0; round <= rounds; round++) {
    for (const [index, fn] of fns.entries()) {
      const batch = batches[index] as number;
      const started = process.hrtime.bigint();
      await callTimes(fn, batch);
      if (round > 0) (times[index] as number[]).push(Number(process.hrtime.bigint() - started) / 1000 / batch);
    }
  }
  return times.map((t) => [...t].sort((a, b) => a - b)[Math.floor(t.length / 2)] as number);
}
