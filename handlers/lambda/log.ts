import pino, { type DestinationStream, type Logger } from "pino";
import type { LogLevel } from "../../src/contracts/environment";

/**
 * JSON lines on `destination` (stdout in Lambda, where CloudWatch Logs collects them) for the
 * Lambda named `service`, with `redactPaths` censored in every line.
 */
export function createLambdaLogger(service: string, level: LogLevel, destination: DestinationStream, redactPaths: readonly string[]): Logger {
  return pino(
    {
      level,
      base: { service },
      messageKey: "msg",
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
      redact: { paths: [...redactPaths], censor: "[redacted]" },
    },
    destination,
  );
}

/**
 * One CloudWatch Embedded Metric Format line with a count of 1 of `name` in `namespace` and no
 * dimensions, so an alarm can watch `<namespace>/<name>` without a metric filter.
 */
export function countMetricLine(namespace: string, name: string, at: Date): string {
  return JSON.stringify({
    _aws: { Timestamp: at.getTime(), CloudWatchMetrics: [{ Namespace: namespace, Dimensions: [[]], Metrics: [{ Name: name, Unit: "Count" }] }] },
    [name]: 1,
  });
}
