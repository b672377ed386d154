/** Retention periods CloudWatch Logs accepts, days. */
export const LOG_RETENTION_DAYS = [
  1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653,
] as const;

/** Why `days` is not a retention CloudWatch Logs accepts; undefined when it is. The configuration asks the same. */
export function logRetentionProblem(days: number): string | undefined {
  return (LOG_RETENTION_DAYS as readonly number[]).includes(days) ? undefined : `is not a CloudWatch Logs retention; use one of ${LOG_RETENTION_DAYS.join(", ")}`;
}
