const UNITS: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86400 };
const DURATION = /^(\d+)(s|m|h|d)?$/;

/** Parses `900`, `900s`, `15m`, `12h`, `1d` into whole seconds; undefined when it is not one. */
export function parseDurationSeconds(text: string): number | undefined {
  const match = DURATION.exec(text.trim());
  if (!match) return undefined;
  const seconds = Number(match[1]) * UNITS[match[2] ?? "s"]!;
  return Number.isSafeInteger(seconds) ? seconds : undefined;
}
