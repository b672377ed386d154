import { connect, type Socket } from "node:net";
import { percentiles } from "./stats";

/**
 * A fixed-rate (open-loop) HTTP/1.1 load generator, in the manner of wrk2: request i is due at
 * start + i / rate whatever happened to the ones before, and its latency is measured from that due
 * time, not from when a connection was free to send it. A server that stalls therefore shows the
 * whole wait of every request queued behind the stall (no coordinated omission). Latencies are
 * `process.hrtime.bigint()` differences (nanoseconds, reported in microseconds), kept all and
 * sorted, so percentiles are exact. The loop polls with setImmediate to send on time, so the sender
 * keeps one core busy while it runs.
 */
export interface OpenLoopRun {
  /** `http://127.0.0.1:<port>/<path>`. */
  readonly url: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly ratePerSecond: number;
  readonly seconds: number;
  /** Keep-alive connections, one request in flight on each. @default 32 */
  readonly connections?: number;
}

export interface OpenLoopResult {
  readonly ratePerSecond: number;
  readonly sent: number;
  readonly answered: number;
  readonly non2xx: number;
  /** Requests not answered within 10 s after the run, or lost with a connection. */
  readonly failed: number;
  readonly p50Us: number;
  readonly p99Us: number;
  readonly p999Us: number;
  readonly maxUs: number;
  /** How late the sender itself noticed a request was due, p99 (its own scheduling, not the server's). */
  readonly senderLagP99Us: number;
}

interface Connection {
  readonly socket: Socket;
  buffered: Buffer;
  /** Index of the request in flight, or -1. */
  inFlight: number;
}

/**
 * `result`, or an error naming `name` when any request was refused (not 2xx) or went unanswered
 * (failed, or never sent): figures over the answered requests alone would hide what went wrong.
 */
export function allAnswered(name: string, result: OpenLoopResult): OpenLoopResult {
  if (result.non2xx > 0) throw new Error(`${name}: ${result.non2xx} answers were not 2xx`);
  if (result.failed > 0) throw new Error(`${name}: ${result.failed} of the ${result.answered + result.failed} requests due were not answered (lost with a connection, unanswered after the run, or never sent)`);
  return result;
}

/** Length of the first complete response in `data` and its status, or undefined if incomplete. */
export function completeResponse(data: Buffer): { length: number; status: number } | undefined {
  const headEnd = data.indexOf("\r\n\r\n");
  if (headEnd < 0) return undefined;
  const head = data.subarray(0, headEnd).toString("latin1");
  const status = Number(head.slice(9, 12));
  const lengthMatch = /\r\ncontent-length:\s*(\d+)/i.exec(head);
  let bodyLength: number;
  if (lengthMatch) bodyLength = Number(lengthMatch[1]);
  else if (/\r\ntransfer-encoding:\s*chunked/i.test(head)) {
    // Only the empty chunked body ("0\r\n\r\n") is expected from the servers measured here.
    const end = data.indexOf("0\r\n\r\n", headEnd + 4);
    if (end < 0) return undefined;
    if (end !== headEnd + 4) throw new Error("open-loop client reads only empty chunked bodies");
    bodyLength = 5;
  } else bodyLength = 0;
  const length = headEnd + 4 + bodyLength;
  return data.length >= length ? { length, status } : undefined;
}

export function openLoop(run: OpenLoopRun): Promise<OpenLoopResult> {
  const url = new URL(run.url);
  const head = [`GET ${url.pathname}${url.search} HTTP/1.1`, `Host: ${url.host}`, ...Object.entries(run.headers).map(([n, v]) => `${n}: ${v}`), "", ""].join("\r\n");
  const request = Buffer.from(head, "latin1");
  const total = Math.max(1, Math.round(run.ratePerSecond * run.seconds));
  const intervalNs = 1e9 / run.ratePerSecond;
  const latencyUs = new Float64Array(total);
  const lagUs = new Float64Array(total);
  const answeredFlags = new Uint8Array(total);
  let due = 0; // requests whose due time has passed
  let nextToSend = 0;
  let answered = 0;
  let non2xx = 0;
  let failed = 0;
  let start = 0n;
  const idle: Connection[] = [];
  const connections: Connection[] = [];

  return new Promise((resolve, reject) => {
    let finished = false;
    let deadline: NodeJS.Timeout | undefined;
    const finish = () => {
      if (finished) return;
      finished = true;
      clearTimeout(deadline);
      for (const c of connections) c.socket.destroy();
      failed += total - answered - failed;
      const answeredLatencies = latencyUs.filter((_, i) => answeredFlags[i] === 1);
      const stats = percentiles(answeredLatencies);
      resolve({ ratePerSecond: run.ratePerSecond, sent: nextToSend, answered, non2xx, failed, ...stats, senderLagP99Us: percentiles(lagUs).p99Us });
    };
    const send = (connection: Connection) => {
      connection.inFlight = nextToSend++;
      connection.socket.write(request);
    };
    const onData = (connection: Connection, chunk: Buffer) => {
      connection.buffered = connection.buffered.length === 0 ? chunk : Buffer.concat([connection.buffered, chunk]);
      for (;;) {
        const response = completeResponse(connection.buffered);
        if (!response) return;
        const index = connection.inFlight;
        if (index < 0) throw new Error("open-loop client: a response nobody asked for");
        const now = process.hrtime.bigint();
        latencyUs[index] = Number(now - start - BigInt(Math.round(index * intervalNs))) / 1000;
        answeredFlags[index] = 1;
        answered++;
        if (response.status < 200 || response.status > 299) non2xx++;
        connection.buffered = connection.buffered.subarray(response.length);
        connection.inFlight = -1;
        if (nextToSend < due) send(connection);
        else idle.push(connection);
        if (answered + failed === total) finish();
      }
    };
    const pump = () => {
      if (finished) return;
      const elapsed = Number(process.hrtime.bigint() - start);
      while (due < total && due * intervalNs <= elapsed) {
        lagUs[due] = (elapsed - due * intervalNs) / 1000;
        due++;
      }
      while (nextToSend < due && idle.length > 0) send(idle.pop() as Connection);
      if (due < total) {
        const waitMs = ((due * intervalNs) - elapsed) / 1e6;
        if (waitMs > 2) setTimeout(pump, Math.floor(waitMs) - 1);
        else setImmediate(pump);
      }
    };
    let opened = 0;
    const count = run.connections ?? 32;
    for (let i = 0; i < count; i++) {
      const socket = connect({ host: url.hostname, port: Number(url.port), noDelay: true });
      const connection: Connection = { socket, buffered: Buffer.alloc(0), inFlight: -1 };
      connections.push(connection);
      socket.on("data", (chunk) => {
        try {
          onData(connection, chunk);
        } catch (error) {
          finished = true;
          for (const c of connections) c.socket.destroy();
          reject(error as Error);
        }
      });
      socket.on("error", () => {});
      socket.on("close", () => {
        if (finished) return;
        if (connection.inFlight >= 0) failed++;
        connection.inFlight = -1;
        const at = idle.indexOf(connection);
        if (at >= 0) idle.splice(at, 1);
        if (answered + failed === total) finish();
      });
      socket.once("connect", () => {
        idle.push(connection);
        if (++opened === count) {
          start = process.hrtime.bigint();
          deadline = setTimeout(finish, (run.seconds + 10) * 1000);
          pump();
        }
      });
    }
  });
}
