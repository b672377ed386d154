import { execFile } from "node:child_process";
import { createHash } from "node:crypto";
import { Agent, fetch } from "undici";

/** What a client printed when it exited, or threw when it failed. */
export class ClientError extends Error {}

export const sha256 = (data: Uint8Array | string) => createHash("sha256").update(data).digest("hex");

/** A request a client made that the gateway may deny; denials must name AccessDenied (or be a bodyless 403). */
export const DENIED = /AccessDenied|\b403\b|Forbidden/;

/** Runs a client command; resolves with its stdout, rejects with a ClientError holding its output. */
export function runClient(file: string, args: readonly string[], options: { env: Record<string, string>; cwd: string; timeoutMs?: number }): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(file, args, { env: options.env, cwd: options.cwd, timeout: options.timeoutMs ?? 120_000, maxBuffer: 64 * 1024 * 1024 }, (error, stdout, stderr) => {
      if (error) reject(new ClientError(`${[file.split("/").pop(), ...args.slice(0, 3)].join(" ")}: exit ${error.code ?? error.signal}: ${`${stderr}\n${stdout}`.trim()}`));
      else resolve(stdout);
    });
  });
}

/** Fetches a presigned URL from the gateway, trusting only its CA, as a browser or curl would. */
export async function fetchUrl(url: string, caPem: string, init: { method?: string; body?: Uint8Array } = {}): Promise<{ status: number; body: Buffer }> {
  const dispatcher = new Agent({ connect: { ca: caPem } });
  try {
    const response = await fetch(url, { method: init.method ?? "GET", body: init.body, dispatcher });
    return { status: response.status, body: Buffer.from(await response.arrayBuffer()) };
  } finally {
    await dispatcher.close();
  }
}

/** Throws unless `condition`; the message becomes the cell's failure in the table. */
export function check(condition: boolean, message: string): asserts condition {
  if (!condition) throw new Error(message);
}

/**
 * The first line of a failure that explains it, with what varies between runs (ports, temp paths,
 * tokens, request ids, dates) taken out, so the same failure renders the same table.
 */
export function summarize(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error);
  const interesting = text.split("\n").find((line) => /AccessDenied|InvalidRequest|InvalidURI|NotImplemented|SignatureDoesNotMatch|error|Error|ERROR|failed|denied/.test(line)) ?? text.split("\n")[0] ?? "";
  return interesting
    .replace(/https?:\/\/127\.0\.0\.1:\d+/g, "<gateway>")
    .replace(/127\.0\.0\.1:\d+/g, "<gateway>")
    .replace(/\/[^\s'"]*\/rajee-[^\s'"]*/g, "<tmp>")
    .replace(/eyJ[\w-]+\.[\w-]+\.[\w-]+/g, "<token>")
    .replace(/\b[0-9A-F]{16,}\b/g, "<id>")
    .replace(/\d{4}[-/]\d{2}[-/]\d{2}[ T]\d{2}:\d{2}(:\d{2})?\S*/g, "<time>")
    .trim()
    .slice(0, 240);
}
