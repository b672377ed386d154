import { connect } from "node:net";

export interface RawAnswer {
  readonly status: number;
  /** Lower-case names; a repeated header's values joined with ",". */
  readonly headers: Record<string, string>;
  readonly body: string;
}

/**
 * One HTTP/1.1 request written byte for byte to 127.0.0.1:port, so a header can be sent twice (even
 * `host`, which Node's client refuses to repeat) and the target is never normalised. The
 * connection is closed after the answer.
 */
export function rawRequest(
  port: number,
  request: { method: string; target: string; headers: Readonly<Record<string, string | readonly string[]>>; body?: string },
): Promise<RawAnswer> {
  const body = request.body === undefined ? undefined : Buffer.from(request.body, "utf8");
  const lines = [`${request.method} ${request.target} HTTP/1.1`];
  for (const [name, value] of Object.entries(request.headers)) for (const v of [value].flat()) lines.push(`${name}: ${v}`);
  if (body !== undefined) lines.push(`content-length: ${body.length}`);
  lines.push("connection: close", "", "");
  return new Promise((resolve, reject) => {
    const socket = connect(port, "127.0.0.1");
    const chunks: Buffer[] = [];
    socket.on("data", (chunk: Buffer) => chunks.push(chunk));
    socket.on("error", reject);
    socket.on("end", () => {
      const text = Buffer.concat(chunks).toString("utf8");
      const split = text.indexOf("\r\n\r\n");
      if (split < 0) return reject(new Error(`no complete answer: ${JSON.stringify(text.slice(0, 200))}`));
      const [statusLine = "", ...headerLines] = text.slice(0, split).split("\r\n");
      const headers: Record<string, string> = {};
      for (const line of headerLines) {
        const colon = line.indexOf(":");
        const name = line.slice(0, colon).trim().toLowerCase();
        const value = line.slice(colon + 1).trim();
        headers[name] = headers[name] === undefined ? value : `${headers[name]},${value}`;
      }
      resolve({ status: Number(statusLine.split(" ")[1]), headers, body: text.slice(split + 4) });
    });
    socket.write(lines.join("\r\n"));
    if (body !== undefined) socket.write(body);
  });
}
