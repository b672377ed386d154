import type { DestinationStream, Logger } from "pino";
import { countMetricLine, createLambdaLogger } from "../lambda/log";
import type { LogLevel } from "./config";

/**
 * Paths pino censors in any log line. The handler logs kids, version ids and counts only; these are a
 * second line of defence should a secret value or token ever reach a log call.
 */
export const REDACT_PATHS = [
  "d",
  "*.d",
  "privateKey",
  "*.privateKey",
  "SecretString",
  "*.SecretString",
  "RotationToken",
  "*.RotationToken",
  "rotationToken",
  "*.rotationToken",
  "token",
  "*.token",
];

/** JSON lines on `destination` (stdout in Lambda, where CloudWatch Logs collects them). */
export function createLogger(level: LogLevel, destination: DestinationStream): Logger {
  return createLambdaLogger("rajee-rotation", level, destination, REDACT_PATHS);
}

/** CloudWatch namespace of the rotation metrics. */
export const METRIC_NAMESPACE = "rajee";

/**
 * One CloudWatch Embedded Metric Format line with a count of 1 and no dimensions, so an alarm can
 * watch `rajee/<name>` without a metric filter.
 */
export function metricLine(name: "RotationFailures" | "RotationsCompleted", at: Date): string {
  return countMetricLine(METRIC_NAMESPACE, name, at);
}
