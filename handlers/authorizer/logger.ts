import pino, { type DestinationStream, type Logger } from "pino";
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
 * Characters of log lines gathered before they are handed to stdout in one write. Each hand-over is
 * an asynchronous write on libuv's thread pool (a thread wake-up and a completion on the event
 * loop), so a larger batch costs fewer of them per check: 64 KiB is about 140 decision lines.
 */
export const LOG_BATCH_CHARS = 64 * 1024;
/** Longest a line waits in the batch before it is written anyway, milliseconds. */
export const LOG_FLUSH_INTERVAL_MS = 1000;

/** Where log lines go: a stream with `flushSync`, as pino.destination returns. */
export type FlushableDestination = DestinationStream & { flushSync(): void };

/**
 * Gathers lines and hands them to `target` as one string per LOG_BATCH_CHARS, at most
 * LOG_FLUSH_INTERVAL_MS late; `flushSync()` writes the rest (at exit). One write per line was a
 * tenth of the authorizer's CPU under load, and sonic-boom's own buffering measures the bytes of its
 * whole buffer on every line it appends (docs/benchmarks.md), so lines are joined here first.
 */
export function batchedDestination(target: FlushableDestination, batchChars = LOG_BATCH_CHARS, flushIntervalMs = LOG_FLUSH_INTERVAL_MS): FlushableDestination {
  let lines: string[] = [];
  let chars = 0;
  const handOver = () => {
    if (lines.length === 0) return;
    const text = lines.join("");
    lines = [];
    chars = 0;
    target.write(text);
  };
  const timer = setInterval(handOver, flushIntervalMs);
  timer.unref();
  return {
    write(line: string) {
      lines.push(line);
      chars += line.length;
      if (chars >= batchChars) handOver();
    },
    flushSync() {
      handOver();
      target.flushSync();
    },
  };
}

/** Stdout for log and EMF lines: asynchronous (sonic-boom), in batches (`batchedDestination`). */
export function stdoutDestination(): FlushableDestination {
  return batchedDestination(pino.destination({ dest: 1, sync: false }));
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
