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
];

/** A JSON logger: ISO time, `level` as a word, redaction, `service` on every line. */
export function createLogger(level: LogLevel, destination?: DestinationStream): Logger {
  return pino(
    {
      level,
      base: { service: "rajee-authorizer" },
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
      redact: { paths: [...REDACT_PATHS], censor: "[redacted]" },
    },
    destination ?? pino.destination({ dest: 1, sync: false }),
  );
}
