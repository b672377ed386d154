import { once } from "node:events";
import { readFileSync } from "node:fs";
import net from "node:net";
import { join } from "node:path";
import tls from "node:tls";
import { EMULATED_ENVOY_RULES, runtimeBehaviourTable, type EmulatedRuleName } from "../../../bin/dev/emulated-envoy-rules";
import { ENVOY_INLINE_REQUEST_HEADERS } from "../../../bin/dev/envoy-request-head";
import { DELAYED_CLOSE_TIMEOUT_MS, startGatewayEmulator, type GatewayEmulator } from "../../../bin/dev/gateway-emulator";
import { localCertificate } from "../../../bin/dev/tls";
import { envoySettings, renderEnvoyBootstrap, type EnvoySettingsInput } from "../../../envoy-templates";
import { repeatedHeaderXml, SINGLE_VALUE_HEADERS } from "../../../src/s3/single-headers";
import { parseResponses, RawConnection, startRecordingServer, type RecordingServer, type Seen } from "../../support/raw-http";

/**
 * One test per row of EMULATED_ENVOY_RULES: raw bytes over a socket to the emulator (plain HTTP,
 * with a recording authorizer and a recording upstream), asserting the client's answer and what
 * reached the authorizer and the upstream.
 */

const SIGNED = { authorization: "AWS4-HMAC-SHA256 Credential=task/20250101/eu-west-1/s3/aws4_request, SignedHeaders=host, Signature=00", "x-amz-date": "20250101T000000Z" };

let authorizer: RecordingServer;
let upstream: RecordingServer;
let nextAuthorizerAnswer: ((seen: Seen) => { status: number; headers?: Record<string, string>; body?: string }) | undefined;
const emulators: GatewayEmulator[] = [];

beforeAll(async () => {
  authorizer = await startRecordingServer((seen) => (nextAuthorizerAnswer ? nextAuthorizerAnswer(seen) : { status: 200, headers: SIGNED }));
  upstream = await startRecordingServer(() => ({ status: 200, headers: { "x-amz-request-id": "S3ID", connection: "keep-alive" }, body: "ok" }));
});
afterAll(async () => {
  await Promise.all(emulators.map((e) => e.close()));
  await authorizer.close();
  await upstream.close();
});
beforeEach(() => {
  authorizer.seen.length = 0;
  upstream.seen.length = 0;
  nextAuthorizerAnswer = undefined;
});

async function emulator(input: Partial<EnvoySettingsInput> = {}, serveTls?: { key: string; cert: string }): Promise<GatewayEmulator> {
  const settings = envoySettings({ s3Region: "eu-west-1", ...input });
  const e = await startGatewayEmulator({ settings, authorizerUrl: authorizer.url, upstreamUrl: upstream.url, tls: serveTls });
  emulators.push(e);
  return e;
}

let defaultEmulator: GatewayEmulator | undefined;
async function byDefault(): Promise<GatewayEmulator> {
  defaultEmulator ??= await emulator();
  return defaultEmulator;
}

/** Sends one request on a new connection and returns the first final response. */
async function send(raw: string, e?: GatewayEmulator): Promise<{ status: number; headers: Record<string, string>; body: string; closed: boolean }> {
  const c = await RawConnection.open((e ?? (await byDefault())).port);
  c.write(raw);
  const responses = await c.responses(1);
  const response = responses[0];
  if (!response) throw new Error("no response");
  const closed = await c.closedByServer();
  c.destroy();
  return { ...response, closed };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** What a client that kept uploading after its request was refused saw. */
interface UploadAfterRefusal {
  /** Everything the gateway sent, and whether the whole first response had arrived before the client stopped writing. */
  readonly received: Buffer;
  readonly answeredWhileUploading: boolean;
  /** The socket error the client saw (a reset, a write to a closed socket), if any. */
  readonly error?: Error;
  /** Whether the gateway's side was gone before the client stopped uploading. */
  readonly closedWhileUploading: boolean;
  /** Milliseconds from the end of the upload to the gateway's close; undefined if it was still open after `waitMs`. */
  readonly closedAfterStopMs?: number;
}

/**
 * Sends a PUT's head announcing a 1 MiB body, then writes 4 KiB every 20 ms for `chunks` chunks
 * (the body never completes), and keeps its own side open (it neither ends nor resets). Then, for
 * up to `waitMs`, it writes one byte every 50 ms: the gateway has already sent its FIN, so only a
 * write shows when it closes its socket (the write is answered with a reset). 127.0.0.1 only.
 */
async function uploadAfterRefusal(port: number, options: { chunks: number; waitMs: number; ca?: string }): Promise<UploadAfterRefusal> {
  // Like an HTTP client, the socket does not end its side when the gateway's FIN arrives (tls.connect
  // takes `allowHalfOpen` at run time, https://nodejs.org/docs/latest-v20.x/api/tls.html#tlsconnectoptions-callback,
  // though @types/node omits it).
  const halfOpen: { allowHalfOpen: boolean } = { allowHalfOpen: true };
  const socket = options.ca ? tls.connect({ ...halfOpen, port, host: "127.0.0.1", ca: options.ca }) : net.connect({ ...halfOpen, port, host: "127.0.0.1" });
  await once(socket, options.ca ? "secureConnect" : "connect");
  let received = Buffer.alloc(0);
  let error: Error | undefined;
  let closedAt: number | undefined;
  socket.on("data", (chunk: Buffer) => (received = Buffer.concat([received, chunk])));
  socket.on("error", (e: Error) => {
    error ??= e;
    closedAt ??= Date.now();
  });
  socket.on("close", () => (closedAt ??= Date.now()));
  socket.write("PUT /b/k HTTP/1.1\r\nhost: s3.local\r\ncontent-length: 1048576\r\n\r\n");
  const chunk = Buffer.alloc(4096, "a");
  let answeredWhileUploading = false;
  for (let i = 0; i < options.chunks && closedAt === undefined; i++) {
    await sleep(20);
    if (!socket.destroyed) socket.write(chunk);
    answeredWhileUploading ||= parseResponses(received).responses.length > 0;
  }
  const stoppedAt = Date.now();
  const closedWhileUploading = closedAt !== undefined;
  const uploadError = error;
  while (closedAt === undefined && Date.now() - stoppedAt < options.waitMs) {
    await sleep(50);
    if (!socket.destroyed) socket.write("a");
  }
  socket.destroy();
  return { received, answeredWhileUploading, error: uploadError, closedWhileUploading, closedAfterStopMs: closedAt === undefined ? undefined : Math.max(0, closedAt - stoppedAt) };
}

const names = (seen: Seen | undefined) => (seen?.headers ?? []).map(([n]) => n);
const values = (seen: Seen | undefined, name: string) => (seen?.headers ?? []).filter(([n]) => n === name).map(([, v]) => v);

const cases: Record<EmulatedRuleName, () => Promise<void>> = {
  "http10-refused": async () => {
    const refused = await send("GET /b/k HTTP/1.0\r\nhost: s3.local\r\n\r\n");
    expect(refused).toMatchObject({ status: 426, body: "Upgrade Required", closed: true });
    expect(authorizer.seen).toHaveLength(0);
    const accepting = await emulator({ acceptHttp10: true });
    expect((await send("GET /b/k HTTP/1.0\r\nhost: s3.local\r\n\r\n", accepting)).status).toBe(200);
    expect(upstream.seen).toHaveLength(1);
  },
  "header-size-limit": async () => {
    const small = await emulator({ maxRequestHeadersKb: 1 });
    // 1 KiB counts the URL and each name and value; 1000 bytes of value plus the rest is over it.
    const over = await send(`GET /b/k HTTP/1.1\r\nhost: s3.local\r\nx-amz-meta-big: ${"a".repeat(1000)}\r\n\r\n`, small);
    expect(over).toMatchObject({ status: 431, closed: true });
    const under = await send(`GET /b/k HTTP/1.1\r\nhost: s3.local\r\nx-amz-meta-big: ${"a".repeat(900)}\r\n\r\n`, small);
    expect(under.status).toBe(200);
    expect(authorizer.seen).toHaveLength(1);
  },
  "header-count-limit": async () => {
    const few = await emulator({ maxHeadersCount: 5 });
    const lines = (n: number) => Array.from({ length: n }, (_, i) => `x-amz-meta-h${i}: v\r\n`).join("");
    // Host plus four is five: allowed; plus five is six: refused. Repeated Host lines count once.
    expect((await send(`GET /b/k HTTP/1.1\r\nhost: s3.local\r\n${lines(4)}\r\n`, few)).status).toBe(200);
    expect(await send(`GET /b/k HTTP/1.1\r\nhost: s3.local\r\n${lines(5)}\r\n`, few)).toMatchObject({ status: 431, closed: true });
  },
  "underscore-headers": async () => {
    const raw = "GET /b/k HTTP/1.1\r\nhost: s3.local\r\nx-amz-meta-a_b: 1\r\n\r\n";
    expect(await send(raw, await emulator({ headersWithUnderscoresAction: "REJECT_REQUEST" }))).toMatchObject({ status: 400, closed: true });
    expect(authorizer.seen).toHaveLength(0);
    expect((await send(raw, await emulator({ headersWithUnderscoresAction: "DROP_HEADER" }))).status).toBe(200);
    expect(names(authorizer.seen[0])).not.toContain("x-amz-meta-a_b");
    expect((await send(raw, await emulator({ headersWithUnderscoresAction: "ALLOW" }))).status).toBe(200);
    expect(values(authorizer.seen[1], "x-amz-meta-a_b")).toEqual(["1"]);
    expect(values(upstream.seen[1], "x-amz-meta-a_b")).toEqual(["1"]);
  },
  "inline-repeats-joined": async () => {
    const raw = "GET /b/k HTTP/1.1\r\nhost: s3.local\r\ncontent-type: a\r\ncontent-type: b\r\nuser-agent: a\r\nuser-agent: b\r\nx-amz-meta-x: 1\r\nx-amz-meta-x: 2\r\n\r\n";
    expect((await send(raw)).status).toBe(200);
    // Inline headers: one joined value, so every later reader sees the same bytes; others: separate lines.
    expect(values(authorizer.seen[0], "content-type")).toEqual(["a,b"]);
    expect(values(authorizer.seen[0], "x-amz-meta-x")).toEqual(["1", "2"]);
    expect(values(upstream.seen[0], "content-type")).toEqual(["a,b"]);
    expect(values(upstream.seen[0], "user-agent")).toEqual(["a,b"]);
  },
  "connection-nominated-removed": async () => {
    expect((await send("GET /b/k HTTP/1.1\r\nhost: s3.local\r\nconnection: x-amz-meta-hop, te\r\nx-amz-meta-hop: 1\r\nte: trailers, gzip\r\n\r\n")).status).toBe(200);
    expect(names(authorizer.seen[0])).not.toContain("x-amz-meta-hop");
    expect(names(upstream.seen[0])).not.toContain("x-amz-meta-hop");
    expect(values(upstream.seen[0], "te")).toEqual(["trailers"]);
    expect(await send("GET /b/k HTTP/1.1\r\nhost: s3.local\r\nconnection: x-forwarded-for\r\n\r\n")).toMatchObject({ status: 400, closed: true });
    const ten = Array.from({ length: 10 }, (_, i) => `x-h${i}`).join(", ");
    expect(await send(`GET /b/k HTTP/1.1\r\nhost: s3.local\r\nconnection: ${ten}\r\n\r\n`)).toMatchObject({ status: 400, closed: true });
    expect(authorizer.seen).toHaveLength(1);
  },
  "body-framing": async () => {
    expect(await send("PUT /b/k HTTP/1.1\r\nhost: s3.local\r\ncontent-length: 2\r\ncontent-length: 2\r\n\r\nok")).toMatchObject({ status: 400, closed: true });
    expect(await send("PUT /b/k HTTP/1.1\r\nhost: s3.local\r\ncontent-length: 2\r\ntransfer-encoding: chunked\r\n\r\n2\r\nok\r\n0\r\n\r\n")).toMatchObject({ status: 400, closed: true });
    expect(authorizer.seen).toHaveLength(0);
  },
  "transfer-encoding-not-chunked": async () => {
    for (const coding of ["identity, chunked", "gzip, chunked", "chunked, identity", "xchunked"]) {
      const answer = await send(`PUT /b/k HTTP/1.1\r\nhost: s3.local\r\ntransfer-encoding: ${coding}\r\n\r\n2\r\nhi\r\n0\r\n\r\n`);
      expect({ coding, status: answer.status, closed: answer.closed }).toEqual({ coding, status: 501, closed: true });
    }
    expect((await send("PUT /b/k HTTP/1.1\r\nhost: s3.local\r\ntransfer-encoding: Chunked\r\n\r\n2\r\nhi\r\n0\r\n\r\n")).status).toBe(200);
    expect(authorizer.seen).toHaveLength(1);
  },
  "missing-host": async () => {
    expect((await send("GET /b/k HTTP/1.1\r\n\r\n")).status).toBe(400);
    expect(authorizer.seen).toHaveLength(0);
  },
  "fragment-in-path": async () => {
    expect((await send("GET /b/k#frag HTTP/1.1\r\nhost: s3.local\r\n\r\n")).status).toBe(400);
    expect(authorizer.seen).toHaveLength(0);
  },
  "upgrade-refused": async () => {
    const answer = await send("GET /b/k HTTP/1.1\r\nhost: s3.local\r\nupgrade: websocket\r\nconnection: Upgrade, close\r\n\r\n");
    expect({ status: answer.status, closed: answer.closed }).toEqual({ status: 403, closed: true });
    // Not a Connection-nomination 400: Envoy skips that clean-up for an upgrade and refuses it whole.
    expect((await send("GET /b/k HTTP/1.1\r\nhost: s3.local\r\nupgrade: h2c\r\nconnection: upgrade, x-forwarded-for\r\n\r\n")).status).toBe(403);
    // An Upgrade header without the Connection token is not an upgrade: it is removed as hop-by-hop.
    expect((await send("GET /b/k HTTP/1.1\r\nhost: s3.local\r\nupgrade: websocket\r\n\r\n")).status).toBe(200);
    expect(authorizer.seen).toHaveLength(1);
    expect(names(upstream.seen[0])).not.toContain("upgrade");
  },
  "expect-100-continue": async () => {
    const c = await RawConnection.open((await byDefault()).port);
    c.write("PUT /b/k HTTP/1.1\r\nhost: s3.local\r\nexpect: 100-continue\r\ncontent-length: 5\r\n\r\n");
    const [interim] = await c.responses(1);
    expect(interim?.status).toBe(100);
    c.write("hello");
    const [, final] = await c.responses(2);
    c.destroy();
    expect(final?.status).toBe(200);
    expect(names(authorizer.seen[0])).not.toContain("expect");
    expect(names(upstream.seen[0])).not.toContain("expect");
    expect(upstream.seen[0]?.body).toBe("hello");
  },
  "hop-by-hop-removed": async () => {
    const raw = "GET /b/k HTTP/1.1\r\nhost: s3.local\r\nconnection: keep-alive\r\nkeep-alive: timeout=5\r\nproxy-connection: keep-alive\r\nupgrade: h2c\r\nte: gzip\r\n\r\n";
    expect((await send(raw)).status).toBe(200);
    for (const seen of [authorizer.seen[0], upstream.seen[0]]) {
      for (const hop of ["keep-alive", "proxy-connection", "upgrade", "te"]) expect(names(seen)).not.toContain(hop);
    }
    // The upstream hop has its own connection handling; the client's never reaches it.
    expect(values(upstream.seen[0], "connection")).not.toContain("upgrade");
  },
  "chunked-reframed": async () => {
    const answer = await send("PUT /b/k HTTP/1.1\r\nhost: s3.local\r\ntransfer-encoding: chunked\r\n\r\n3\r\nabc\r\n2\r\nde\r\n0\r\n\r\n");
    expect(answer.status).toBe(200);
    expect(values(authorizer.seen[0], "transfer-encoding")).toEqual([]);
    expect(upstream.seen[0]?.body).toBe("abcde");
    expect(values(upstream.seen[0], "transfer-encoding")).toEqual(["chunked"]);
  },
  "connection-close-scoped": async () => {
    const port = (await byDefault()).port;
    const other = await RawConnection.open(port);
    other.write("GET /b/1 HTTP/1.1\r\nhost: s3.local\r\n\r\n");
    expect((await other.responses(1))[0]?.status).toBe(200);
    const closing = await RawConnection.open(port);
    closing.write("GET /b/2 HTTP/1.1\r\nhost: s3.local\r\nconnection: close\r\n\r\n");
    const [closed] = await closing.responses(1);
    expect(closed).toMatchObject({ status: 200, headers: { connection: "close" } });
    expect(await closing.closedByServer()).toBe(true);
    // The other connection is still open and serves its next request; the upstream's own
    // connection header never reaches the client.
    other.write("GET /b/3 HTTP/1.1\r\nhost: s3.local\r\n\r\n");
    const [, again] = await other.responses(2);
    expect(again?.status).toBe(200);
    expect(again?.headers.connection).not.toBe("close");
    expect(other.closed).toBe(false);
    other.destroy();
    expect(upstream.seen.map((s) => s.url)).toEqual(["/b/1", "/b/2", "/b/3"]);
  },
  "strip-internal-headers": async () => {
    expect((await send("GET /b/k HTTP/1.1\r\nhost: s3.local\r\nx-rajee-upstream-path: /other/key\r\nx-envoy-retry-on: 5xx\r\n\r\n")).status).toBe(200);
    expect(names(authorizer.seen[0]).filter((n) => n.startsWith("x-rajee-") || n.startsWith("x-envoy-"))).toEqual([]);
    expect(upstream.seen[0]?.url).toBe("/b/k");
  },
  "refuse-repeated-headers": async () => {
    for (const header of SINGLE_VALUE_HEADERS) {
      authorizer.seen.length = 0;
      const lines = header.name === "host" ? "host: a.s3.local\r\nhost: b.s3.local\r\n" : `host: s3.local\r\n${header.name}: 1\r\n${header.name}: 2\r\n`;
      const answer = await send(`GET /b/k HTTP/1.1\r\n${lines}x-request-id: req-1\r\n\r\n`);
      if (header.name !== "host" && ENVOY_INLINE_REQUEST_HEADERS.has(header.name)) {
        // Envoy joined the two lines into one value before the filter ran: nothing repeated is left.
        expect(values(authorizer.seen[0], header.name)).toEqual(["1,2"]);
        continue;
      }
      // A bodyless request refused by a filter leaves the connection open, as in Envoy.
      expect(answer).toMatchObject({ status: 400, headers: { "content-type": "application/xml", "x-amz-request-id": "req-1" }, closed: false });
      expect(answer.body).toBe(repeatedHeaderXml(header, "req-1"));
      expect(authorizer.seen).toHaveLength(0);
    }
  },
  "raw-repeats-to-authorizer": async () => {
    expect((await send("GET /b/k HTTP/1.1\r\nhost: s3.local\r\nx-amz-meta-tag: one\r\nx-amz-meta-tag: two, three\r\n\r\n")).status).toBe(200);
    expect(values(authorizer.seen[0], "x-amz-meta-tag")).toEqual(["one", "two, three"]);
  },
  "not-implemented-reads": async () => {
    for (const target of ["/b/k?acl", "/b?acl", "/b/k?acl=&versionId=v", "/b?cors", "/b/k?lifecycle="]) {
      const answer = await send(`GET ${target} HTTP/1.1\r\nhost: s3.local\r\n\r\n`);
      expect(answer).toMatchObject({ status: 501, headers: { "content-type": "application/xml" } });
      expect(answer.body).toContain("<Code>NotImplemented</Code>");
    }
    expect(authorizer.seen).toHaveLength(0);
    nextAuthorizerAnswer = () => ({ status: 403, body: "denied" });
    expect((await send("PUT /b/k?acl HTTP/1.1\r\nhost: s3.local\r\ncontent-length: 0\r\n\r\n")).status).toBe(403);
    expect((await send("GET /b/k?aclx HTTP/1.1\r\nhost: s3.local\r\n\r\n")).status).toBe(403);
    // Envoy's route matcher does not percent-decode names: an escaped name goes to the authorizer,
    // and an escaped `delete` misses the DeleteObjects route, so its body is not sent (the authorizer refuses the name).
    expect((await send("GET /b?%63ors HTTP/1.1\r\nhost: s3.local\r\n\r\n")).status).toBe(403);
    expect((await send("POST /b?%64elete HTTP/1.1\r\nhost: s3.local\r\ncontent-length: 9\r\n\r\n<Delete/>")).status).toBe(403);
    expect(authorizer.seen.map((r) => r.url)).toEqual(["/b/k?acl", "/b/k?aclx", "/b?%63ors", "/b?%64elete"]);
    expect(authorizer.seen[3]?.body).toBe("");
  },
  "check-request-headers": async () => {
    const raw = "GET /b/k HTTP/1.1\r\nhost: s3.local\r\nrange: bytes=0-9\r\namz-sdk-request: attempt=1\r\nx-amz-date: 20250101T000000Z\r\nuser-agent: test\r\naccept-encoding: identity\r\nx-custom: 1\r\n\r\n";
    expect((await send(raw)).status).toBe(200);
    expect(names(authorizer.seen[0]).filter((n) => !["content-length", "x-request-id", "connection"].includes(n))).toEqual(["host", "range", "amz-sdk-request", "x-amz-date", "accept-encoding"]);
    expect(values(upstream.seen[0], "user-agent")).toEqual(["test"]);
  },
  "check-request-content-length": async () => {
    expect((await send("PUT /b/k HTTP/1.1\r\nhost: s3.local\r\ncontent-length: 5\r\n\r\nhello")).status).toBe(200);
    expect(values(authorizer.seen[0], "content-length")).toEqual(["0"]);
    expect(values(upstream.seen[0], "content-length")).toEqual(["5"]);
  },
  "client-content-length-copied": async () => {
    expect((await send("PUT /b/k HTTP/1.1\r\nhost: s3.local\r\nx-rajee-client-content-length: 999\r\ncontent-length: 5\r\n\r\nhello")).status).toBe(200);
    expect(values(authorizer.seen[0], "x-rajee-client-content-length")).toEqual(["5"]);
    expect(names(upstream.seen[0])).not.toContain("x-rajee-client-content-length");
    expect((await send("GET /b/k HTTP/1.1\r\nhost: s3.local\r\n\r\n")).status).toBe(200);
    expect(names(authorizer.seen[1])).not.toContain("x-rajee-client-content-length");
  },
  "delayed-close": async () => {
    nextAuthorizerAnswer = () => ({ status: 403, headers: { "content-type": "application/xml" }, body: "<Error><Code>AccessDenied</Code></Error>" });
    const refusedMidUpload = async (port: number, ca?: string) => {
      // 25 writes 20 ms apart: the denial arrives early and the client goes on uploading for about
      // half the grace period, then stops without closing.
      const seen = await uploadAfterRefusal(port, { chunks: 25, waitMs: 2 * DELAYED_CLOSE_TIMEOUT_MS, ca });
      const [answer] = parseResponses(seen.received).responses;
      expect({ error: seen.error?.message, closedWhileUploading: seen.closedWhileUploading, answeredWhileUploading: seen.answeredWhileUploading }).toEqual({
        error: undefined,
        closedWhileUploading: false,
        answeredWhileUploading: true,
      });
      expect(answer).toMatchObject({ status: 403, headers: { connection: "close" }, body: "<Error><Code>AccessDenied</Code></Error>" });
      // Closed by the gateway once the grace period from its answer is over (the bytes it discards
      // do not extend it), not left open.
      expect(seen.closedAfterStopMs).toBeDefined();
      expect(seen.closedAfterStopMs).toBeLessThanOrEqual(DELAYED_CLOSE_TIMEOUT_MS + 500);
    };
    // Over HTTP and, at the same time, over HTTPS, where the server's sockets are TLS sockets.
    const pems = await localCertificate();
    const [plain, secure] = [await byDefault(), await emulator({}, pems)];
    await Promise.all([refusedMidUpload(plain.port), refusedMidUpload(secure.port, pems.cert)]);
    expect(upstream.seen).toHaveLength(0);
  },
  "upstream-path-swap": async () => {
    nextAuthorizerAnswer = () => ({ status: 200, headers: { ...SIGNED, "x-rajee-upstream-path": "/bucket/a%20b" } });
    expect((await send("GET /?X-Amz-Security-Token=t HTTP/1.1\r\nhost: bucket.s3.local\r\n\r\n")).status).toBe(200);
    expect(upstream.seen[0]?.url).toBe("/bucket/a%20b");
    expect(names(upstream.seen[0])).not.toContain("x-rajee-upstream-path");
    expect(values(upstream.seen[0], "host")).toEqual(["s3.eu-west-1.amazonaws.com"]);
    nextAuthorizerAnswer = () => ({ status: 200, headers: { ...SIGNED, "x-rajee-upstream-path": "bucket/no-slash" } });
    expect((await send("GET /b/k HTTP/1.1\r\nhost: s3.local\r\n\r\n")).status).toBe(503);
    expect(upstream.seen).toHaveLength(1);
  },
};

describe("the gateway emulator reproduces Envoy's runtime rules", () => {
  it.each(Object.keys(EMULATED_ENVOY_RULES) as EmulatedRuleName[])("%s", async (name) => {
    await cases[name]();
  });
});

describe("the delayed close", () => {
  it("is Envoy's default because the rendered connection managers leave delayed_close_timeout unset", () => {
    const rendered = JSON.stringify(renderEnvoyBootstrap(envoySettings({ s3Region: "eu-west-1" })));
    expect(rendered).toContain("envoy.filters.network.http_connection_manager");
    expect(rendered).not.toContain("delayed_close_timeout");
  });
});

describe("the rules table", () => {
  it("cites a docs page or source file for every rule", () => {
    for (const rule of Object.values(EMULATED_ENVOY_RULES)) expect(rule.source).toMatch(/envoyproxy\.io\/docs\/envoy\/v1\.34\.10\/|github\.com\/envoyproxy\/envoy\/blob\/v1\.34\.10\/|envoy-templates\/lua\.ts/);
  });

  it("is the table docs/envoy.md shows under 'Runtime behaviour we rely on'", () => {
    const doc = readFileSync(join(__dirname, "../../../docs/envoy.md"), "utf8");
    const section = doc.split("## Runtime behaviour we rely on")[1];
    expect(section).toBeDefined();
    expect(section).toContain(runtimeBehaviourTable());
  });
});
