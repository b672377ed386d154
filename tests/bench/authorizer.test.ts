import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { CLOSED_LOOP_ROUNDS, medianRow, mustSign, permutations, replayableAnswerHeaders, requestHeaders, roundOrder, signedRequestHeaders } from "../../bench/authorizer";
import { BENCH_TASK_ROLE, startStaticAnswerServer } from "../../bench/processes";

describe("the headers wrk sends", () => {
  const signed = {
    host: "gateway.example.com",
    "x-amz-date": "20261130T120000Z",
    "x-amz-content-sha256": "UNSIGNED-PAYLOAD",
    "x-amz-security-token": "header.payload.signature",
    authorization: "AWS4-HMAC-SHA256 Credential=ASIAEXAMPLE/20261130/us-east-1/s3/aws4_request, SignedHeaders=host;x-amz-content-sha256;x-amz-date;x-amz-security-token, Signature=00",
  };

  it("spells the signed host Host, so wrk sends it instead of adding its own 127.0.0.1:<port>", () => {
    const headers = signedRequestHeaders(signed);
    expect(headers.Host).toBe("gateway.example.com");
    expect(Object.keys(headers).filter((name) => name.toLowerCase() === "host")).toEqual(["Host"]);
  });

  it("keeps every other signed header as signed and adds the bearer run's request id, unsigned", () => {
    const { Host, "x-request-id": requestId, ...rest } = signedRequestHeaders(signed);
    const { host, ...signedRest } = signed;
    expect(Host).toBe(host);
    expect(rest).toEqual(signedRest);
    expect(requestId).toBe(requestHeaders("t")["x-request-id"]);
  });

  it("leaves out a header without a value", () => {
    expect(signedRequestHeaders({ ...signed, range: undefined })).not.toHaveProperty("range");
  });
});

describe("the closed-loop rows", () => {
  it("computes each field's median over rows", () => {
    const rows = [5, 1, 3].map((n) => ({ rps: n * 1000, p50_us: n, p99_us: n * 10, cpu_us_per_request: n }));
    expect(medianRow(rows)).toEqual({ rps: 3000, p50_us: 3, p99_us: 30, cpu_us_per_request: 3 });
  });
});

describe("the answer the floor server replays", () => {
  it("keeps every header of the answer in order, and leaves those node:http adds to each answer to it, whatever their case", () => {
    const raw = ["authorization", "AWS4-HMAC-SHA256 Credential=x", "Date", "Mon, 30 Nov 2026 12:00:00 GMT", "x-amz-date", "20261130T120000Z", "Connection", "keep-alive", "Keep-Alive", "timeout=5", "content-length", "0"];
    expect(replayableAnswerHeaders(raw)).toEqual(["authorization", "AWS4-HMAC-SHA256 Credential=x", "x-amz-date", "20261130T120000Z", "content-length", "0"]);
  });
});

describe("the check answer a run starts from", () => {
  const signature = `AWS4-HMAC-SHA256 Credential=${BENCH_TASK_ROLE.accessKeyId}/20261201/eu-west-1/s3/aws4_request, SignedHeaders=host;x-amz-date, Signature=00`;
  let server: Server;
  let url = "";
  /** What the stub check server answers next: its status and header list. */
  let next: { status: number; headers: string[] } = { status: 200, headers: [] };

  beforeAll(async () => {
    server = createServer((_, res) => {
      res.writeHead(next.status, next.headers);
      res.end();
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/data/reports/q1.csv`;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it("is refused unless allowed and signed by the bench task role, or unsigned for the unsigned row", async () => {
    next = { status: 200, headers: ["authorization", signature] };
    await expect(mustSign("signed", url, {}, true)).resolves.toMatchObject({ body: Buffer.alloc(0) });
    await expect(mustSign("unsigned row", url, {}, false)).rejects.toThrow("unsigned row: expected a 200 without a signature, got 200 with authorization present");
    next = { status: 200, headers: ["authorization", signature.replace(BENCH_TASK_ROLE.accessKeyId, "AKIAOTHERROLE0000000")] };
    await expect(mustSign("other role", url, {}, true)).rejects.toThrow("other role: expected a 200 signed by the bench task role");
    next = { status: 403, headers: [] };
    await expect(mustSign("denied", url, {}, false)).rejects.toThrow("denied: expected a 200 without a signature, got 403");
  });

  it("is what the floor server replays: the same headers in the same order and the same body, only the Date's value differing", async () => {
    next = { status: 200, headers: ["authorization", signature, "x-amz-date", "20261201T030000Z", "x-amz-security-token", BENCH_TASK_ROLE.sessionToken, "content-length", "0"] };
    const answer = await mustSign("stub", url, {}, true);
    const floor = await startStaticAnswerServer({ headers: replayableAnswerHeaders(answer.rawHeaders), body: answer.body });
    try {
      const replayed = await mustSign("floor", `${floor.url}/data/reports/q1.csv`, {}, true);
      const undated = (raw: readonly string[]) => raw.map((value, i) => (i % 2 === 1 && raw[i - 1] === "Date" ? "(date)" : value));
      expect(undated(replayed.rawHeaders)).toEqual(undated(answer.rawHeaders));
      expect(replayed.body).toEqual(answer.body);
    } finally {
      await floor.stop();
    }
  });
});

describe("the order of the servers in a round", () => {
  const servers = ["null", "authorizer", "floor"] as const;
  const orders = Array.from({ length: CLOSED_LOOP_ROUNDS }, (_, round) => roundOrder(servers, round));

  it("runs every server once in each round", () => {
    for (const order of orders) expect([...order].sort()).toEqual([...servers].sort());
  });

  it("puts each server in each place equally often over a full run", () => {
    for (const server of servers) {
      for (let place = 0; place < servers.length; place++) expect(orders.filter((order) => order[place] === server)).toHaveLength(CLOSED_LOOP_ROUNDS / servers.length);
    }
  });

  it("runs each server before each other as often as after", () => {
    for (const a of servers) {
      for (const b of servers.filter((s) => s !== a)) expect(orders.filter((order) => order.indexOf(a) < order.indexOf(b))).toHaveLength(CLOSED_LOOP_ROUNDS / 2);
    }
  });

  it("lists every order once, and starts the next cycle after the last", () => {
    expect(new Set(permutations([1, 2, 3, 4]).map((p) => p.join()))).toHaveProperty("size", 24);
    expect(roundOrder(servers, 6)).toEqual(roundOrder(servers, 0));
    expect(permutations([])).toEqual([[]]);
  });
});
