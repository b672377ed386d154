import { request as httpRequest } from "node:http";
import { build, type AuthorizerApp, type RuntimeSettingsSource } from "../../../handlers/authorizer/app";
import { parseConfig, type AuthorizerConfig } from "../../../handlers/authorizer/config";
import { createLogger } from "../../../handlers/authorizer/logger";
import type { AllowHook } from "../../../handlers/authorizer/service";
import type { TextSource } from "../../../handlers/authorizer/text-source";
import { generateSigningKeyPair, type GeneratedKeyPair } from "../../../src/keys/generate";
import type { PublishedKey } from "../../../src/keys/jwks";
import { mintToken } from "../../../src/token/mint";

/** A key source the test controls: change the document, make reads fail, count reads. */
export class MemorySource implements TextSource {
  readonly description = "memory source";
  reads = 0;
  failing: Error | undefined;
  /** When set, reads wait for this promise (a slow source). */
  gate: Promise<void> | undefined;

  constructor(public text: string) {}

  async read(): Promise<string> {
    this.reads++;
    if (this.gate) await this.gate;
    if (this.failing) throw this.failing;
    return this.text;
  }
}

export function jwksText(...keys: PublishedKey[]): string {
  return JSON.stringify({ keys });
}

/** A clock the test moves by hand. */
export class TestClock {
  constructor(public nowMs = Date.UTC(2030, 0, 1, 12, 0, 0)) {}
  readonly read = (): number => this.nowMs;
  advance(seconds: number): void {
    this.nowMs += seconds * 1000;
  }
  get date(): Date {
    return new Date(this.nowMs);
  }
}

export function mint(pair: GeneratedKeyPair, grants: readonly string[], options: { now?: Date; ttlSeconds?: number; subject?: string; jti?: string } = {}): Promise<string> {
  return mintToken({
    key: pair.privateKey,
    subject: options.subject ?? "alice",
    grants,
    ttlSeconds: options.ttlSeconds ?? 900,
    issuer: "rajee",
    audience: "rajee",
    ...(options.now ? { now: options.now } : {}),
    ...(options.jti ? { jti: options.jti } : {}),
  });
}

export interface Harness {
  readonly app: AuthorizerApp;
  readonly config: AuthorizerConfig;
  readonly checkPort: number;
  readonly adminPort: number;
  /** Every JSON log line written so far. */
  readonly logs: Record<string, unknown>[];
  /** The raw log text (to search for token bytes). */
  rawLogs(): string;
  readonly emf: string[];
  check(request: RawRequest): Promise<RawResponse>;
  admin(path: string, method?: string): Promise<RawResponse>;
  close(): Promise<void>;
}

export interface HarnessOptions {
  readonly env?: Record<string, string>;
  readonly keySource: TextSource;
  readonly denyListSource?: TextSource;
  readonly clock?: TestClock;
  readonly onAllow?: AllowHook;
  readonly runtimeSettings?: RuntimeSettingsSource;
}

/** Builds the real app on 127.0.0.1 (ephemeral ports) with a controllable source, clock and log capture. */
export async function startHarness(options: HarnessOptions): Promise<Harness> {
  const config = parseConfig({
    RAJEE_JWKS_FILE: "/unused/jwks.json",
    RAJEE_LISTEN: "127.0.0.1:0",
    RAJEE_ADMIN_LISTEN: "127.0.0.1:0",
    RAJEE_LOG_LEVEL: "debug",
    RAJEE_EMF_INTERVAL_SECONDS: "0",
    ...options.env,
  });
  const lines: string[] = [];
  const emf: string[] = [];
  const logger = createLogger(config.logLevel, { write: (line: string) => void lines.push(line) });
  const app = build({
    config,
    keySource: options.keySource,
    ...(options.denyListSource ? { denyListSource: options.denyListSource } : {}),
    logger,
    ...(options.clock ? { clock: options.clock.read } : {}),
    emfWrite: (line) => void emf.push(line),
    ...(options.onAllow ? { onAllow: options.onAllow } : {}),
    ...(options.runtimeSettings ? { runtimeSettings: options.runtimeSettings } : {}),
  });
  const { checkPort, adminPort } = await app.start();
  return {
    app,
    config,
    checkPort,
    adminPort,
    get logs() {
      return lines.map((l) => JSON.parse(l) as Record<string, unknown>);
    },
    rawLogs: () => lines.join(""),
    emf,
    check: (request) => send(checkPort, request),
    admin: (path, method = "GET") => send(adminPort, { method, path }),
    close: async () => {
      await app.shutdown(1000);
    },
  };
}

export interface RawRequest {
  readonly method?: string;
  /** Sent byte for byte (no URL normalisation). */
  readonly path: string;
  readonly headers?: Record<string, string | string[]>;
  readonly body?: string | Buffer;
}

export interface RawResponse {
  readonly status: number;
  readonly headers: Record<string, string | string[] | undefined>;
  readonly body: string;
}

/** One HTTP/1.1 request to 127.0.0.1:port with the path exactly as given. */
export function send(port: number, request: RawRequest): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      { host: "127.0.0.1", port, method: request.method ?? "GET", path: request.path, headers: { host: "gateway.example.com", ...request.headers }, agent: false },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString("utf8") }));
        res.on("error", reject);
      },
    );
    req.on("error", reject);
    req.end(request.body);
  });
}

/** The S3 error document's fields, checked against the exact shape `<Error><Code/><Message/><Resource/><RequestId/></Error>`. */
export function parseErrorXml(body: string): { code: string; message: string; resource: string; requestId: string } {
  const match = /^<\?xml version="1\.0" encoding="UTF-8"\?>\n<Error><Code>([^<]*)<\/Code><Message>([^<]*)<\/Message><Resource>([^<]*)<\/Resource><RequestId>([^<]*)<\/RequestId><\/Error>$/.exec(body);
  if (!match) throw new Error(`not an S3 error document: ${body}`);
  const text = (i: number) => (match[i] as string).replace(/&#(\d+);/g, (_, n: string) => String.fromCharCode(Number(n)));
  return { code: text(1), message: text(2), resource: text(3), requestId: text(4) };
}

export async function keyPair(): Promise<GeneratedKeyPair> {
  return generateSigningKeyPair();
}
