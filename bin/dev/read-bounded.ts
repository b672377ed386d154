import type { IncomingMessage } from "node:http";

/**
 * Reads a request body up to `limit` bytes. Past the limit it stops buffering, drains the rest so
 * the connection can answer, and resolves "too-large". Rejects when the request closes before
 * its body ended (the client went away).
 */
export function readBounded(request: IncomingMessage, limit: number): Promise<Buffer | "too-large"> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    request.on("data", (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        request.removeAllListeners("data");
        request.resume();
        resolve("too-large");
      } else chunks.push(chunk);
    });
    request.on("end", () => resolve(Buffer.concat(chunks)));
    request.on("error", reject);
    // A client that goes away mid-body ends neither way on some Node versions; settle anyway.
    request.on("close", () => {
      if (!request.complete) reject(new Error("request closed before its body ended"));
    });
  });
}
