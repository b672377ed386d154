import { PolledDocument, Poller } from "../../../handlers/authorizer/polled-document";
import type { GeneratedKeyPair } from "../../../src/keys/generate";
import type { PublishedKey } from "../../../src/keys/jwks";
import { jwksText, keyPair, MemorySource, mint, parseErrorXml, startHarness, TestClock } from "./support";

const as = (key: PublishedKey, state: "pending" | "current" | "previous"): PublishedKey => ({ ...key, state });
const GRANTS = ["read:data/"];

describe("key rotation under traffic", () => {
  it("serves every token through publish, promote and retire, then rejects the retired key's tokens", async () => {
    const a = await keyPair();
    const b = await keyPair();
    const source = new MemorySource(jwksText(as(a.publicKey, "current")));
    const harness = await startHarness({ keySource: source, env: { RAJEE_RATE_LIMIT_PER_SECOND: "0" } });
    const refresh = async () => expect(await harness.app.authorizer.keys.refresh("interval")).toMatchObject({ ok: true });
    try {
      const tokenA = await mint(a, GRANTS);
      let pool = [tokenA];
      const unexpected: string[] = [];
      let sent = 0;
      let running = true;
      /** Per worker: the pool its last completed request was drawn from. */
      const finishedWith: string[][] = [];
      const worker = async (id: number) => {
        for (let i = 0; running; i++) {
          const drawnFrom = pool;
          const token = drawnFrom[(i + id) % drawnFrom.length] as string;
          const response = await harness.check({ path: `/data/obj-${id}-${i}`, headers: { "x-amz-security-token": token } });
          sent++;
          finishedWith[id] = drawnFrom;
          if (response.status !== 200) unexpected.push(`${response.status} ${response.body}`);
        }
      };
      const settle = async (requests: number) => {
        const target = sent + requests;
        while (sent < target) await new Promise((r) => setTimeout(r, 5));
      };
      const workers = [0, 1, 2, 3].map(worker);

      await settle(20);
      source.text = jwksText(as(a.publicKey, "current"), as(b.publicKey, "pending"));
      await refresh();
      await settle(20);
      source.text = jwksText(as(a.publicKey, "previous"), as(b.publicKey, "current"));
      await refresh();
      const tokenB = await mint(b, GRANTS);
      pool = [tokenA, tokenB];
      await settle(40);
      const onlyB = [tokenB];
      pool = onlyB;
      // Retire A only once every worker has finished a request drawn from the B-only pool.
      while (![0, 1, 2, 3].every((id) => finishedWith[id] === onlyB)) await new Promise((r) => setTimeout(r, 5));
      source.text = jwksText(as(b.publicKey, "current"));
      await refresh();
      await settle(20);
      running = false;
      await Promise.all(workers);

      expect(unexpected).toEqual([]);
      expect(sent).toBeGreaterThanOrEqual(108);
      const retired = await harness.check({ path: "/data/x", headers: { "x-amz-security-token": tokenA } });
      expect(retired.status).toBe(400);
      expect(parseErrorXml(retired.body).code).toBe("InvalidToken");
      expect(harness.logs.filter((l) => l.event === "decision" && l.decision === "deny").map((l) => l.reason)).toEqual(["unknown-kid"]);
    } finally {
      await harness.close();
    }
  });
});

describe("key source failure", () => {
  it("keeps serving with the last good keys, denies past the staleness limit, and recovers on the next good refresh", async () => {
    const pair = await keyPair();
    const clock = new TestClock();
    const source = new MemorySource(jwksText(pair.publicKey));
    const harness = await startHarness({ keySource: source, clock, env: { RAJEE_KEY_REFRESH_SECONDS: "60", RAJEE_STALENESS_LIMIT_SECONDS: "300" } });
    try {
      const headers = { "x-amz-security-token": await mint(pair, GRANTS, { now: clock.date, ttlSeconds: 3600 }) };
      source.failing = new Error("secret arn:aws:secretsmanager:eu-west-1:123456789012:secret:jwks: GetSecretValue failed (ServiceUnavailable)");

      clock.advance(240);
      expect(await harness.app.authorizer.keys.refresh("interval")).toMatchObject({ ok: false });
      expect((await harness.check({ path: "/data/a", headers })).status).toBe(200);
      expect((await harness.admin("/readyz")).status).toBe(200);
      expect(harness.logs.find((l) => l.event === "refresh" && l.result === "error")).toMatchObject({
        level: "error",
        document: "keys",
        trigger: "interval",
        age_seconds: 240,
        fresh: true,
        msg: "keys refresh failed; keeping the last good version until the staleness limit",
      });

      clock.advance(61);
      const stale = await harness.check({ path: "/data/a", headers });
      expect(stale.status).toBe(403);
      expect(parseErrorXml(stale.body).message).toBe("the gateway cannot verify tokens right now (its keys are stale); retry later");
      const readyz = await harness.admin("/readyz");
      expect(readyz.status).toBe(503);
      expect(readyz.body).toBe(`not ready: keys stale (last loaded 301s ago); last error: ${source.failing.message}\n`);
      expect((await harness.admin("/metrics")).body).toMatch(/^rajee_authorizer_ready 0$/m);
      expect(harness.logs.at(-1)).toMatchObject({ event: "decision", reason: "keys-stale", decision: "deny" });

      source.failing = undefined;
      expect(await harness.app.authorizer.keys.refresh("interval")).toMatchObject({ ok: true });
      expect((await harness.check({ path: "/data/a", headers })).status).toBe(200);
      expect((await harness.admin("/readyz")).status).toBe(200);
    } finally {
      await harness.close();
    }
  });

  it("denies every check and fails /readyz while no keys have ever loaded", async () => {
    const pair = await keyPair();
    const source = new MemorySource(jwksText(pair.publicKey));
    source.failing = new Error("file /keys/jwks.json: no such file");
    const harness = await startHarness({ keySource: source });
    try {
      const response = await harness.check({ path: "/data/a", headers: { "x-amz-security-token": await mint(pair, GRANTS) } });
      expect(response.status).toBe(403);
      expect(parseErrorXml(response.body).message).toBe("the gateway cannot verify tokens right now (its keys are not loaded yet); retry later");
      expect(await harness.admin("/readyz")).toMatchObject({ status: 503, body: "not ready: keys not loaded yet; last error: file /keys/jwks.json: no such file\n" });
    } finally {
      await harness.close();
    }
  });

  it("keeps the last good keys when the source returns an unusable document", async () => {
    const pair = await keyPair();
    const source = new MemorySource(jwksText(pair.publicKey));
    const harness = await startHarness({ keySource: source });
    try {
      source.text = '{"keys": [{"kid": "x", "alg": "HS256"}]}';
      const outcome = await harness.app.authorizer.keys.refresh("interval");
      expect(outcome).toMatchObject({ ok: false });
      expect(harness.app.authorizer.keys.lastError?.message).toBe('memory source: keys[0] (kid x) has alg "HS256"; use one of EdDSA, ES256');
      expect((await harness.check({ path: "/data/a", headers: { "x-amz-security-token": await mint(pair, GRANTS) } })).status).toBe(200);
    } finally {
      await harness.close();
    }
  });

  it("recovers by itself: the poller keeps retrying until the source answers", async () => {
    const pair = await keyPair();
    const source = new MemorySource(jwksText(pair.publicKey));
    source.failing = new Error("down");
    const document = new PolledDocument({ name: "keys", source, parse: (t) => t, fingerprint: (t) => t, stalenessLimitMs: 60_000, clock: Date.now });
    const poller = new Poller(document as PolledDocument<unknown>, 20, 10);
    try {
      expect(await poller.start()).toMatchObject({ ok: false });
      await new Promise((r) => setTimeout(r, 50));
      expect(document.fresh()).toBe(false);
      source.failing = undefined;
      const deadline = Date.now() + 2000;
      while (!document.fresh() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
      expect(document.fresh()).toBe(true);
      expect(source.reads).toBeGreaterThanOrEqual(3);
    } finally {
      poller.stop();
    }
  });
});

describe("break-glass refresh on an unknown kid", () => {
  let a: GeneratedKeyPair;
  let b: GeneratedKeyPair;
  beforeAll(async () => {
    a = await keyPair();
    b = await keyPair();
  });

  it("loads a key published after the last poll at once, at most once per interval", async () => {
    const clock = new TestClock();
    const source = new MemorySource(jwksText(a.publicKey));
    const harness = await startHarness({ keySource: source, clock, env: { RAJEE_BREAK_GLASS_INTERVAL_SECONDS: "10" } });
    try {
      const headers = { "x-amz-security-token": await mint(b, GRANTS, { now: clock.date }) };
      expect(source.reads).toBe(1);

      const first = await harness.check({ path: "/data/a", headers });
      expect(first.status).toBe(400);
      expect(source.reads).toBe(2);

      source.text = jwksText(a.publicKey, b.publicKey);
      clock.advance(5);
      expect((await harness.check({ path: "/data/a", headers })).status).toBe(400);
      expect(source.reads).toBe(2);

      clock.advance(5);
      expect((await harness.check({ path: "/data/a", headers })).status).toBe(200);
      expect(source.reads).toBe(3);
      expect(harness.logs.filter((l) => l.event === "refresh" && l.trigger === "break-glass").map((l) => l.changed)).toEqual([false, true]);
    } finally {
      await harness.close();
    }
  });

  it("answers a burst of unknown kids with one read of the source", async () => {
    const source = new MemorySource(jwksText(a.publicKey, b.publicKey));
    const harness = await startHarness({ keySource: source });
    try {
      source.text = jwksText(a.publicKey);
      await harness.app.authorizer.keys.refresh("interval");
      source.text = jwksText(a.publicKey, b.publicKey);
      let release: () => void = () => {};
      source.gate = new Promise((r) => (release = r));
      const readsBefore = source.reads;
      const token = await mint(b, GRANTS);
      const burst = Array.from({ length: 20 }, (_, i) => harness.check({ path: `/data/${i}`, headers: { "x-amz-security-token": token } }));
      await new Promise((r) => setTimeout(r, 50));
      release();
      const statuses = (await Promise.all(burst)).map((r) => r.status);
      expect(source.reads - readsBefore).toBe(1);
      expect(statuses).toEqual(Array(20).fill(200));
    } finally {
      source.gate = undefined;
      await harness.close();
    }
  });
});
