import type { DestinationStream, Logger } from "pino";
import { countMetricLine, createLambdaLogger } from "../lambda/log";
import type { LogLevel } from "../../src/contracts/environment";
import { EMF_NAMESPACE } from "../authorizer/emf";
import { REDACT_PATHS as ROTATION_REDACT_PATHS } from "../rotation/log";

/**
 * Paths pino censors in any issuer log line. The handler logs principals, grants, jti and expiry
 * only; these are a second line of defence should credentials or the key ever reach a log call.
 */
export const REDACT_PATHS: readonly string[] = [
  ...ROTATION_REDACT_PATHS,
  "credentials",
  "*.credentials",
  "sessionToken",
  "*.sessionToken",
  "SessionToken",
  "secretAccessKey",
  "*.secretAccessKey",
  "SecretAccessKey",
  "key",
  "*.key",
];

/** JSON lines on `destination` (stdout in Lambda, where CloudWatch Logs collects them). */
export function createLogger(level: LogLevel, destination: DestinationStream): Logger {
  return createLambdaLogger("rajee-issuer", level, destination, REDACT_PATHS);
}

/** What the issuer counts: tokens issued, requests refused (400 and 403), and failures (500). */
export const ISSUER_METRICS = ["Issued", "Denied", "Errors"] as const;
export type IssuerMetric = (typeof ISSUER_METRICS)[number];

/**
 * One CloudWatch Embedded Metric Format line counting one `name`, without dimensions, in the
 * authorizer's namespace: an alarm watches `rajee/<name>` without a metric filter.
 */
export function metricLine(name: IssuerMetric, at: Date): string {
  return countMetricLine(EMF_NAMESPACE, name, at);
}
