import fc from "fast-check";
import { batchedDestination, cachedIsoTime, createLogger } from "../../../handlers/authorizer/logger";

function target() {
  const chunks: Buffer[] = [];
  let flushed = 0;
  return {
    writes: () => chunks.map((chunk) => chunk.toString("utf8")),
    flushes: () => flushed,
    stream: { write: (chunk: Buffer) => void chunks.push(Buffer.from(chunk)), flushSync: () => void flushed++ },
  };
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
    expect(out.writes()).toEqual(["aaaa\nbbbb\n"]);
    destination.flushSync();
    expect(out.writes()).toEqual(["aaaa\nbbbb\n", "cc\n"]);
    expect(out.flushes()).toBe(1);
  });

  it("hands over every byte of every line, in order, whatever the lines' scripts and sizes against the batch", () => {
    fc.assert(
      fc.property(fc.integer({ min: 4, max: 64 }), fc.array(fc.string({ unit: "grapheme", maxLength: 40 }), { maxLength: 30 }), (batchBytes, lines) => {
        const out = target();
        const destination = batchedDestination(out.stream, batchBytes, 60_000);
        for (const line of lines) destination.write(line);
        destination.flushSync();
        expect(out.writes().join("")).toBe(lines.join(""));
        // Only a single line longer than the batch is handed over larger than the batch.
        for (const chunk of out.writes()) expect(Buffer.byteLength(chunk) <= batchBytes || lines.includes(chunk)).toBe(true);
      }),
    );
  });

  it("writes every batch from the one buffer it keeps, so nothing piles up between writes", () => {
    const seen: Buffer[] = [];
    const destination = batchedDestination({ write: (chunk: Buffer) => void seen.push(chunk), flushSync: () => undefined }, 16, 60_000);
    for (let i = 0; i < 20; i++) destination.write("0123456789\n");
    destination.flushSync();
    expect(seen.length).toBeGreaterThan(10);
    expect(new Set(seen.map((chunk) => chunk.buffer)).size).toBe(1);
  });

  it("writes a line that waited the flush interval without more lines behind it", async () => {
    const out = target();
    const destination = batchedDestination(out.stream, 1_000_000, 20);
    destination.write("only\n");
    expect(out.writes()).toEqual([]);
    await new Promise((resolve) => setTimeout(resolve, 80));
    expect(out.writes()).toEqual(["only\n"]);
  });
});
