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

/** Bytes of log lines gathered before one write to stdout (sonic-boom's `minLength`; it must stay below 16 KiB). */
export const LOG_BUFFER_BYTES = 4096;
/** Longest a line waits in that buffer before it is written anyway, milliseconds. */
export const LOG_FLUSH_INTERVAL_MS = 1000;

/**
 * Stdout for log and EMF lines: asynchronous, and buffered so one write carries many lines. A
 * write per line was a tenth of the authorizer's CPU under load (docs/benchmarks.md). Lines wait at
 * most LOG_FLUSH_INTERVAL_MS; `flushSync()` at exit writes what is left.
 */
export function stdoutDestination(): DestinationStream & { flushSync(): void } {
  return pino.destination({ dest: 1, sync: false, minLength: LOG_BUFFER_BYTES, periodicFlush: LOG_FLUSH_INTERVAL_MS });
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

/** A JSON logger: ISO time, `level` as a word, redaction, `service` on every line. */
export function createLogger(level: LogLevel, destination?: DestinationStream): Logger {
  return pino(
    {
      level,
      base: { service: "rajee-authorizer" },
      timestamp: cachedIsoTime(),
      formatters: { level: (label) => ({ level: label }) },
      redact: { paths: [...REDACT_PATHS], censor: "[redacted]" },
    },
    destination ?? stdoutDestination(),
  );
}
