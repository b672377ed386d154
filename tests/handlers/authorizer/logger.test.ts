import { cachedIsoTime, createLogger } from "../../../handlers/authorizer/logger";

describe("the authorizer's logger", () => {
  it("writes pino's ISO time, formatted again only when the millisecond changes", () => {
    let now = Date.UTC(2026, 10, 30, 12, 0, 0, 5);
    const time = cachedIsoTime(() => now);
    expect(time()).toBe(',"time":"2026-11-30T12:00:00.005Z"');
    expect(time()).toBe(',"time":"2026-11-30T12:00:00.005Z"');
    now += 1;
    expect(time()).toBe(',"time":"2026-11-30T12:00:00.006Z"');
  });

  it("puts the current time, the level word and the service on every line", () => {
    const lines: string[] = [];
    const before = Date.now();
    createLogger("info", { write: (line: string) => void lines.push(line) }).info({ event: "x" });
    const line = JSON.parse(lines[0] as string) as { time: string; level: string; service: string };
    expect(Date.parse(line.time)).toBeGreaterThanOrEqual(before);
    expect(Date.parse(line.time)).toBeLessThanOrEqual(Date.now());
    expect(line).toMatchObject({ level: "info", service: "rajee-authorizer", event: "x" });
  });
});
