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
 * Bytes of log lines gathered before they are handed to stdout in one write: about 140 decision
 * lines, so the write's system call is a small share of a check.
 */
export const LOG_BATCH_BYTES = 64 * 1024;
/** Longest a line waits in the batch before it is written anyway, milliseconds. */
export const LOG_FLUSH_INTERVAL_MS = 1000;

/** Where log lines go: a stream with `flushSync`, as pino.destination returns. */
export type FlushableDestination = DestinationStream & { flushSync(): void };

/** Where batches go: bytes, written before `write` returns (sonic-boom with `sync: true`, `buffer` content mode). */
export interface BatchTarget {
  write(chunk: Buffer): unknown;
  flushSync(): void;
}

/**
 * Gathers lines into one buffer of `batchBytes` (UTF-8) and hands it to `target` when the next line
 * would not fit, at most `flushIntervalMs` late, and at `flushSync()` (exit); a line longer than a
 * whole batch goes on its own. The target writes synchronously, so the same buffer is used again:
 * nothing waits in memory for a write in flight, whatever the reader's speed. One write per line
 * was a tenth of the authorizer's CPU under load; lines kept as strings for a join were an object
 * graph every young-generation collection copied; a new buffer per batch piled up outside the heap
 * until a full collection (docs/decisions.md).
 */
export function batchedDestination(target: BatchTarget, batchBytes = LOG_BATCH_BYTES, flushIntervalMs = LOG_FLUSH_INTERVAL_MS): FlushableDestination {
  const batch = Buffer.allocUnsafe(batchBytes);
  let used = 0;
  const handOver = () => {
    if (used === 0) return;
    const full = batch.subarray(0, used);
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
  };
}

/**
 * Stdout for log and EMF lines: written synchronously (sonic-boom, bytes), in batches
 * (`batchedDestination`). A log driver slower than the checks holds them back rather than letting
 * lines pile up in memory; Envoy's ext_authz timeout then fails those checks closed
 * (docs/decisions.md).
 */
export function stdoutDestination(): FlushableDestination {
  // sonic-boom's `buffer` content mode takes Buffers (its writeBuffer); its typings name strings only.
  return batchedDestination(pino.destination({ dest: 1, sync: true, contentMode: "buffer" }) as unknown as BatchTarget);
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
