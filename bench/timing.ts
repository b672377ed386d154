/** A monotonic clock in nanoseconds; `process.hrtime.bigint` unless a test injects one. */
export type NanoClock = () => bigint;

/** Options of the batched timers. */
export interface TimingOptions {
  /** Timed batches after the warm-up batch; the median is reported. @default 9 */
  readonly rounds?: number;
  /** Each batch lasts at least this long, ms (cheap calls are otherwise below the timer's noise). @default 20 */
  readonly batchMs?: number;
  /** The clock batches are timed with. @default process.hrtime.bigint */
  readonly clock?: NanoClock;
}

const DEFAULT_ROUNDS = 9;
const DEFAULT_BATCH_MS = 20;
/** Calls of a function before its batch is sized take at least this many times the batch's target. */
const WARM_UP_TARGETS = 2n;
/** A calibration batch that fell short grows to its estimate times this margin, and at least doubles. */
const GROWTH_MARGIN = 1.25;
/** ...but grows at most this many times over per step, so one distorted batch cannot blow it up. */
const MAX_GROWTH = 1000;
/** A batch larger than this means the clock does not see the calls at all: refused, not looped on. */
const MAX_BATCH = 2 ** 24;

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
 * Nanoseconds one batch of `count` calls took. After the batch, outside its time, the event loop gets
 * a turn: calls that settle in their own turn never yield, and Node runs a signal's handler (Ctrl-C
 * stopping the run) only on a turn of the loop.
 */
async function timeBatch(fn: () => unknown, count: number, clock: NanoClock): Promise<bigint> {
  const started = clock();
  await callTimes(fn, count);
  const took = clock() - started;
  await new Promise<void>((resolve) => setImmediate(resolve));
  return took;
}

/** `batchMs` in nanoseconds, at least 1. */
const targetNs = (batchMs: number) => BigInt(Math.max(1, Math.round(batchMs * 1e6)));

/** The next size after a batch of `batch` calls took `took` ns, short of `target`: its estimate with a margin, at least double. */
function grow(batch: number, took: bigint, target: bigint): number {
  const estimate = took > 0n ? Math.ceil((batch * Number(target) * GROWTH_MARGIN) / Number(took)) : batch * MAX_GROWTH;
  return Math.min(batch * MAX_GROWTH, Math.max(batch * 2, estimate));
}

/** Refuses a batch so large that the clock cannot be seeing the calls. */
function checkSize(calls: number, batchMs: number): void {
  if (calls > MAX_BATCH) throw new Error(`timing: ${calls} calls took under ${batchMs} ms by the clock; is the clock advancing?`);
}

/**
 * How many calls of `fn` make one batch of at least `batchMs`, measured on warmed calls: first calls
 * in doubling batches until they have taken WARM_UP_TARGETS times `batchMs` in all (the first calls
 * of a function pay for JIT compilation and cold caches, and sizing from them gave batches far
 * shorter than intended), then batches from one call upwards, each grown from the last one's rate,
 * until a batch takes `batchMs`. Each size is timed twice and the faster taken, so a pause (garbage
 * collection, another process) during one timing does not stop the growth early.
 */
export async function calibrateBatch(fn: () => unknown, batchMs: number, clock: NanoClock = process.hrtime.bigint): Promise<number> {
  const target = targetNs(batchMs);
  for (let spent = 0n, warm = 1; spent < target * WARM_UP_TARGETS; warm *= 2) {
    checkSize(warm, batchMs);
    spent += await timeBatch(fn, warm, clock);
  }
  for (let batch = 1; ; ) {
    checkSize(batch, batchMs);
    const first = await timeBatch(fn, batch, clock);
    const second = await timeBatch(fn, batch, clock);
    const took = first < second ? first : second;
    if (took >= target) return batch;
    batch = grow(batch, took, target);
  }
}

/**
 * One batch of `fn` lasting at least `batchMs`, from `batch` calls: a batch that falls short (the
 * calls got faster since calibration, as shared code is optimised while other functions run) is
 * not counted, and the batch grows until one lasts the target. Its size and nanoseconds.
 */
async function batchOfAtLeast(fn: () => unknown, batch: number, batchMs: number, clock: NanoClock): Promise<{ batch: number; took: bigint }> {
  const target = targetNs(batchMs);
  for (;;) {
    checkSize(batch, batchMs);
    const took = await timeBatch(fn, batch, clock);
    if (took >= target) return { batch, took };
    batch = grow(batch, took, target);
  }
}

/** Median of a non-empty list. */
const median = (values: readonly number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] as number;

/**
 * Microseconds per call of `fn`: calls are batched so every batch counted lasts at least `batchMs`
 * (calibrateBatch, batchOfAtLeast), and the median of `rounds` batches after a warm-up batch is
 * reported (the median resists another process taking the core for a moment).
 */
export async function perCallUs(fn: () => unknown, options: TimingOptions = {}): Promise<number> {
  return (await interleavedPerCallUs([fn], options))[0] as number;
}

/**
 * Microseconds per call of each function, measured in interleaved rounds (one batch of each per
 * round, median over rounds), so a change in the machine's load touches all of them alike. Every
 * function is warmed up and its batch calibrated first (calibrateBatch); every batch counted lasts
 * at least `batchMs` (batchOfAtLeast).
 */
export async function interleavedPerCallUs(fns: readonly (() => unknown)[], options: TimingOptions = {}): Promise<number[]> {
  const rounds = options.rounds ?? DEFAULT_ROUNDS;
  const batchMs = options.batchMs ?? DEFAULT_BATCH_MS;
  const clock = options.clock ?? process.hrtime.bigint;
  const batches: number[] = [];
  for (const fn of fns) batches.push(await calibrateBatch(fn, batchMs, clock));
  const times: number[][] = fns.map(() => []);
  for (let round = 0; round <= rounds; round++) {
    for (const [index, fn] of fns.entries()) {
      const { batch, took } = await batchOfAtLeast(fn, batches[index] as number, batchMs, clock);
      batches[index] = batch;
      if (round > 0) (times[index] as number[]).push(Number(took) / 1000 / batch);
    }
  }
  return times.map(median);
}
