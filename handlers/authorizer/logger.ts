import pino, { type DestinationStream, type Logger } from "pino";
import SonicBoom from "sonic-boom";
import type { LogLevel } from "./config";

/**
 * Paths pino blanks out in any log object. The service never logs headers, query strings or tokens
 * (it logs the token's fingerprint); this is the second layer should a future log call pass one.
 */
export const REDACT_PATHS: readonly string[] = [
  "token",
  "jwt",
  "authorization",
  "headers.authorization",
  'headers["x-amz-security-token"]',
  "req.headers.authorization",
  'req.headers["x-amz-security-token"]',
  "path",
  "url",
  "query",
  // Sampled decision lines (sampling.ts) show headers by allow-list; these are the second layer.
  "input.headers.authorization",
  'input.headers["x-amz-security-token"]',
];

/**
 * Bytes of log lines gathered before they are handed to stdout in one write. Each hand-over is an
 * asynchronous write on libuv's thread pool (a thread wake-up and a completion on the event loop),
 * so a larger batch costs fewer of them per check: 64 KiB is about 140 decision lines.
 */
export const LOG_BATCH_BYTES = 64 * 1024;
/** Longest a line waits in the batch before it is written anyway, milliseconds. */
export const LOG_FLUSH_INTERVAL_MS = 1000;

/** Where log lines go: a stream with `flushSync`, as pino.destination returns. */
export type FlushableDestination = DestinationStream & { flushSync(): void };

/** A destination that can also be closed at exit, waiting for what it has handed over. */
export interface ClosableDestination extends FlushableDestination {
  /**
   * Hands over the batch and ends the target: resolves true once all was written, false after
   * `timeoutMs` (stdout blocked) or on an error. Without `end` on the target: `flushSync`, true.
   */
  close(timeoutMs: number): Promise<boolean>;
}

/** How long the authorizer waits at exit for stdout to take the last log lines, milliseconds (within the task's stop-timeout margin). */
export const OUTPUT_CLOSE_TIMEOUT_MS = 5000;

/** Where batches go: bytes, as sonic-boom takes them in its `buffer` content mode. */
export interface BatchTarget {
  write(chunk: Buffer): unknown;
  flushSync(): void;
  /** Ends the stream once everything handed over is written (sonic-boom: then 'close'). */
  end?(): void;
  once?(event: "close" | "error", listener: () => void): unknown;
}

/**
 * Gathers lines into a buffer of `batchBytes` (UTF-8) and hands it to `target` when the next line
 * would not fit, at most `flushIntervalMs` late, and at `flushSync()` (exit); a line longer than a
 * whole batch goes on its own. One write per line was a tenth of the authorizer's CPU under load
 * (docs/benchmarks.md). Lines are encoded as they arrive: a batch of strings waiting for a join was
 * an object graph every young-generation collection copied, which lengthened each pause.
 */
export function batchedDestination(target: BatchTarget, batchBytes = LOG_BATCH_BYTES, flushIntervalMs = LOG_FLUSH_INTERVAL_MS): ClosableDestination {
  let batch = Buffer.allocUnsafe(batchBytes);
  let used = 0;
  const handOver = () => {
    if (used === 0) return;
    const full = batch.subarray(0, used);
    // A new buffer: the one handed over stays the target's until its write completes.
    batch = Buffer.allocUnsafe(batchBytes);
    used = 0;
    target.write(full);
  };
  const timer = setInterval(handOver, flushIntervalMs);
  timer.unref();
  return {
    write(line: string) {
      // At most 3 bytes per UTF-16 unit; the exact length is counted only near the end of the batch.
      if (used + 3 * line.length > batchBytes) {
        const bytes = Buffer.byteLength(line, "utf8");
        if (used + bytes > batchBytes) handOver();
        if (bytes > batchBytes) {
          target.write(Buffer.from(line, "utf8"));
          return;
        }
      }
      used += batch.write(line, used, "utf8");
      if (used === batchBytes) handOver();
    },
    flushSync() {
      handOver();
      target.flushSync();
    },
    close(timeoutMs) {
      clearInterval(timer);
      handOver();
      const { end, once } = target;
      if (end === undefined || once === undefined) {
        target.flushSync();
        return Promise.resolve(true);
      }
      // Never a synchronous write while an asynchronous one is in flight: its bytes would land in the
      // middle of a line. `end` writes the rest after it, then closes.
      return new Promise((resolve) => {
        const timeout = setTimeout(() => resolve(false), timeoutMs);
        timeout.unref();
        const done = (written: boolean) => () => {
          clearTimeout(timeout);
          resolve(written);
        };
        once.call(target, "close", done(true));
        once.call(target, "error", done(false));
        end.call(target);
      });
    },
  };
}

/**
 * Stdout for log and EMF lines: asynchronous (sonic-boom, bytes), in batches (`batchedDestination`);
 * `close` at exit waits for the last writes. sonic-boom directly, not `pino.destination`: pino
 * registers its own exit hook that writes synchronously, which would land in the middle of an
 * asynchronous write still in flight.
 */
export function stdoutDestination(): ClosableDestination {
  const stream = new SonicBoom({ fd: 1, sync: false, contentMode: "buffer" });
  // As pino.destination does: a closed reader (EPIPE) ends logging, not the process; any other
  // write error is thrown, so the container restarts rather than judge checks it cannot log.
  stream.on("error", (error: NodeJS.ErrnoException) => {
    if (error.code !== "EPIPE") throw error;
  });
  // sonic-boom's `buffer` content mode takes Buffers (its writeBuffer); its typings name strings only.
  return batchedDestination(stream as unknown as BatchTarget);
}

/**
 * pino's `isoTime`, formatted once per millisecond: under load many lines share a millisecond,
 * and `toISOString()` per line was a visible share of the decision log's cost.
 */
export function cachedIsoTime(now: () => number = Date.now): () => string {
  let lastMs = Number.NaN;
  let text = "";
  return () => {
    const ms = now();
    if (ms !== lastMs) {
      lastMs = ms;
      text = `,"time":"${new Date(ms).toISOString()}"`;
    }
    return text;
  };
}

/** `service` on every line of the authorizer's logger, and `service.name` of its spans. */
export const AUTHORIZER_SERVICE_NAME = "rajee-authorizer";

/**
 * Writes one line through a logger's own destination, formatted as that logger formats its lines:
 * `{"level":...,"time":...,"service":...` then `members` (pre-serialized JSON members, each with
 * a leading comma) and `}`. The caller checks `logger.isLevelEnabled(level)` first; nothing here
 * redacts, so only fixed-schema lines built from known fields go this way (decision-line.ts).
 */
export type RawLineWriter = (level: "info" | "warn", members: string) => void;

const rawLineWriters = new WeakMap<Logger, RawLineWriter>();

/** The raw writer of a logger made by `createLogger`; undefined for any other logger (a child, a test double). */
export function rawLineWriter(logger: Logger): RawLineWriter | undefined {
  return rawLineWriters.get(logger);
}

/** A JSON logger: ISO time, `level` as a word, redaction, `service` on every line. */
export function createLogger(level: LogLevel, destination: DestinationStream = stdoutDestination()): Logger {
  const time = cachedIsoTime();
  const logger = pino(
    {
      level,
      base: { service: AUTHORIZER_SERVICE_NAME },
      timestamp: time,
      formatters: { level: (label) => ({ level: label }) },
      redact: { paths: [...REDACT_PATHS], censor: "[redacted]" },
    },
    destination,
  );
  const bindings = `,"service":${JSON.stringify(AUTHORIZER_SERVICE_NAME)}`;
  rawLineWriters.set(logger, (lineLevel, members) => destination.write(`{"level":"${lineLevel}"${time()}${bindings}${members}}\n`));
  return logger;
}
