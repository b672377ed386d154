import http from "node:http";
import net from "node:net";
import type { AddressInfo } from "node:net";

/** One HTTP/1.1 response read off a raw socket. */
export interface RawResponse {
  readonly status: number;
  /** Lower-case names, repeats joined with ", ". */
  readonly headers: Record<string, string>;
  readonly body: string;
}

/** The status and headers of a response head (the text before the blank line). */
function parseHead(head: string): { status: number; headers: Record<string, string> } {
  const lines = head.split("\r\n");
  const status = Number(lines[0]!.split(" ")[1]);
  const headers: Record<string, string> = {};
  for (const line of lines.slice(1)) {
    const colon = line.indexOf(":");
    const name = line.slice(0, colon).trim().toLowerCase();
    const value = line.slice(colon + 1).trim();
    headers[name] = headers[name] === undefined ? value : `${headers[name]}, ${value}`;
  }
  return { status, headers };
}

/** Parses as many complete responses as `data` holds (Content-Length or chunked bodies; 1xx have none). */
export function parseResponses(data: Buffer): { responses: RawResponse[]; rest: Buffer } {
  const responses: RawResponse[] = [];
  let rest = data;
  for (;;) {
    const end = rest.indexOf("\r\n\r\n");
    if (end < 0) break;
    const { status, headers } = parseHead(rest.subarray(0, end).toString("latin1"));
    let bodyStart = end + 4;
    let body = "";
    if (status >= 200 && headers["transfer-encoding"] === "chunked") {
      let at = bodyStart;
      let complete = false;
      for (;;) {
        const lineEnd = rest.indexOf("\r\n", at);
        if (lineEnd < 0) break;
        const size = parseInt(rest.subarray(at, lineEnd).toString("latin1"), 16);
        if (size === 0) {
          if (rest.length < lineEnd + 4) break;
          at = lineEnd + 4;
          complete = true;
          break;
        }
        if (rest.length < lineEnd + 2 + size + 2) break;
        body += rest.subarray(lineEnd + 2, lineEnd + 2 + size).toString("latin1");
        at = lineEnd + 2 + size + 2;
      }
      if (!complete) break;
      bodyStart = at;
    } else if (status >= 200) {
      const length = Number(headers["content-length"] ?? 0);
      if (rest.length < bodyStart + length) break;
      body = rest.subarray(bodyStart, bodyStart + length).toString("latin1");
      bodyStart += length;
    }
    responses.push({ status, headers, body });
    rest = rest.subarray(bodyStart);
  }
  return { responses, rest };
}

/** A raw client connection: write bytes, wait for responses, see whether the server closed. */
export class RawConnection {
  private data: Buffer = Buffer.alloc(0);
  private parsed: RawResponse[] = [];
  closed = false;
  private waiters: (() => void)[] = [];

  private constructor(private readonly socket: net.Socket) {
    socket.on("data", (chunk: Buffer) => {
      this.data = Buffer.concat([this.data, chunk]);
      const { responses, rest } = parseResponses(this.data);
      this.parsed.push(...responses);
      this.data = rest;
      this.wake();
    });
    socket.on("close", () => {
      this.closed = true;
      this.wake();
    });
    socket.on("error", () => undefined);
  }

  static open(port: number): Promise<RawConnection> {
    return new Promise((resolve, reject) => {
      const socket = net.connect(port, "127.0.0.1", () => resolve(new RawConnection(socket)));
      socket.once("error", reject);
    });
  }

  private wake(): void {
    for (const w of this.waiters.splice(0)) w();
  }

  write(bytes: string | Buffer): void {
    this.socket.write(bytes);
  }

  /** Waits until `count` responses (1xx included) arrived, or the connection closed, or 3 s passed. */
  async responses(count: number): Promise<RawResponse[]> {
    const deadline = Date.now() + 3000;
    while (this.parsed.length < count && !this.closed && Date.now() < deadline) {
      await new Promise<void>((resolve) => {
        this.waiters.push(resolve);
        setTimeout(resolve, 50);
      });
    }
    return this.parsed.slice(0, count);
  }

  /** Waits up to `ms` for the server to close the connection. */
  async closedByServer(ms = 300): Promise<boolean> {
    const deadline = Date.now() + ms;
    while (!this.closed && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
    return this.closed;
  }

  destroy(): void {
    this.socket.destroy();
  }
}

/** What a recording server saw of one request. */
export interface Seen {
  readonly method: string;
  readonly url: string;
  readonly httpVersion: string;
  /** Lower-case names and values in order, repeats kept. */
  readonly headers: [string, string][];
  readonly body: string;
}

export interface RecordingServer {
  readonly url: string;
  readonly seen: Seen[];
  close(): Promise<void>;
}

/** An HTTP server on 127.0.0.1 that records every request and answers with `answer`. */
export async function startRecordingServer(answer: (seen: Seen) => { status: number; headers?: Record<string, string>; body?: string }): Promise<RecordingServer> {
  const seen: Seen[] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const headers: [string, string][] = [];
      for (let i = 0; i < req.rawHeaders.length; i += 2) headers.push([req.rawHeaders[i]!.toLowerCase(), req.rawHeaders[i + 1]!]);
      const record: Seen = { method: req.method ?? "", url: req.url ?? "", httpVersion: req.httpVersion, headers, body: Buffer.concat(chunks).toString("latin1") };
      seen.push(record);
      const a = answer(record);
      const body = a.body ?? "";
      res.writeHead(a.status, { ...a.headers, "content-length": String(Buffer.byteLength(body)) });
      res.end(body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    seen,
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/**
 * One HTTP/1.1 request written byte for byte to 127.0.0.1:port, so a header can be sent twice (even
 * `host`, which Node's client refuses to repeat) and the target is never normalised. Sends
 * `connection: close` and reads until the server closes, so a HEAD answer's body length does not
 * matter.
 */
export function rawRequest(
  port: number,
  request: { method: string; target: string; headers: Readonly<Record<string, string | readonly string[]>>; body?: string },
): Promise<RawResponse> {
  const body = request.body === undefined ? undefined : Buffer.from(request.body, "utf8");
  const lines = [`${request.method} ${request.target} HTTP/1.1`];
  for (const [name, value] of Object.entries(request.headers)) for (const v of [value].flat()) lines.push(`${name}: ${v}`);
  if (body !== undefined) lines.push(`content-length: ${body.length}`);
  lines.push("connection: close", "", "");
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, "127.0.0.1");
    const chunks: Buffer[] = [];
    socket.on("data", (chunk: Buffer) => chunks.push(chunk));
    socket.on("error", reject);
    socket.on("end", () => {
      const text = Buffer.concat(chunks).toString("utf8");
      const split = text.indexOf("\r\n\r\n");
      if (split < 0) return reject(new Error(`no complete answer: ${JSON.stringify(text.slice(0, 200))}`));
      resolve({ ...parseHead(text.slice(0, split)), body: text.slice(split + 4) });
    });
    socket.write(lines.join("\r\n"));
    if (body !== undefined) socket.write(body);
  });
}
