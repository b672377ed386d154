import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { allAnswered, completeResponse, openLoop } from "../../bench/open-loop";

describe("the open-loop sender's response reader", () => {
  it("reads a response with content-length, an empty chunked one, and waits for an incomplete one", () => {
    const first = "HTTP/1.1 403 Forbidden\r\nContent-Length: 5\r\n\r\nhello";
    expect(completeResponse(Buffer.from(`${first}HTTP/1.1 200 OK\r\n`))).toEqual({ length: first.length, status: 403 });
    const chunked = "HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n0\r\n\r\n";
    expect(completeResponse(Buffer.from(chunked))).toEqual({ length: chunked.length, status: 200 });
    expect(completeResponse(Buffer.from("HTTP/1.1 200 OK\r\ncontent-length: 3\r\n\r\nab"))).toBeUndefined();
    expect(completeResponse(Buffer.from("HTTP/1.1 200 OK\r\ncontent-le"))).toBeUndefined();
  });
});

describe("the open-loop sender", () => {
  let server: Server;
  let url: string;
  let stall = false;
  beforeAll(async () => {
    server = createServer((req, res) => {
      if (stall && req.url === "/stall") {
        stall = false;
        setTimeout(() => res.end(), 300);
        return;
      }
      res.end(req.headers["x-token"] === "t" ? "" : "no token");
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  it("sends the rate asked for, with the headers given, and answers every request", async () => {
    const result = await openLoop({ url: `${url}/x`, headers: { "x-token": "t" }, ratePerSecond: 200, seconds: 0.5, connections: 4 });
    expect(result).toMatchObject({ sent: 100, answered: 100, failed: 0, non2xx: 0 });
    expect(result.p50Us).toBeGreaterThan(0);
  });

  it("counts the wait behind a stalled answer in the latency of every request queued behind it", async () => {
    stall = true;
    const result = await openLoop({ url: `${url}/stall`, headers: {}, ratePerSecond: 100, seconds: 0.5, connections: 1 });
    expect(result.answered).toBe(50);
    // The first request stalls 300 ms on the only connection; the ~30 due meanwhile waited for it.
    expect(result.p50Us).toBeGreaterThan(50_000);
    expect(result.maxUs).toBeGreaterThan(250_000);
  });
});

describe("a fixed-rate or soak run's answers", () => {
  const result = { ratePerSecond: 1000, sent: 1000, answered: 1000, non2xx: 0, failed: 0, p50Us: 50, p99Us: 500, p999Us: 900, maxUs: 1000, senderLagP99Us: 20 };

  it("passes a run in which every request due was answered 2xx", () => {
    expect(allAnswered("soak", result)).toBe(result);
  });

  it("refuses a run with refusals or unanswered requests, whose percentiles would cover the answered ones alone", () => {
    expect(() => allAnswered("soak", { ...result, non2xx: 3 })).toThrow("soak: 3 answers were not 2xx");
    expect(() => allAnswered("null at 5000/s", { ...result, answered: 990, failed: 10 })).toThrow("null at 5000/s: 10 of the 1000 requests due were not answered");
  });
});
