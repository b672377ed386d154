import { batchedDestination, cachedIsoTime, createLogger } from "../../../handlers/authorizer/logger";

function target() {
  const writes: string[] = [];
  let flushed = 0;
  return { writes, flushes: () => flushed, stream: { write: (text: string) => void writes.push(text), flushSync: () => void flushed++ } };
}

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

  it("hands lines to stdout in one write per batch, in order, and the rest at flushSync", () => {
    const out = target();
    const destination = batchedDestination(out.stream, 10, 60_000);
    destination.write("aaaa\n");
    destination.write("bbbb\n");
    destination.write("cc\n");
    expect(out.writes).toEqual(["aaaa\nbbbb\n"]);
    destination.flushSync();
    expect(out.writes).toEqual(["aaaa\nbbbb\n", "cc\n"]);
    expect(out.flushes()).toBe(1);
  });

  it("writes a line that waited the flush interval without more lines behind it", async () => {
    const out = target();
    const destination = batchedDestination(out.stream, 1_000_000, 20);
    destination.write("only\n");
    expect(out.writes).toEqual([]);
    await new Promise((resolve) => setTimeout(resolve, 80));
    expect(out.writes).toEqual(["only\n"]);
  });
});
