import { verifySigV4 } from "../../../bin/dev/sigv4-verify";
import { EXT_AUTHZ_ALLOWED_UPSTREAM_HEADERS } from "../../../envoy-templates/settings";
import {
  CREDENTIAL_FETCH_TIMEOUT_MS,
  CREDENTIAL_MIN_VALIDITY_MS,
  CREDENTIAL_REFRESH_AHEAD_MS,
  CREDENTIAL_RETRY_MS,
  HEADERS_TO_REMOVE,
  HeldCredentials,
  upstreamSigner,
  type ExpiringCredentials,
} from "../../../handlers/authorizer/upstream-signing";
import { UPSTREAM_PATH_HEADER } from "../../../src/upstream/sign";
import { jwksText, keyPair, MemorySource, mint, parseErrorXml, startHarness, type Harness } from "./support";

const ENDPOINT = { host: "s3.eu-west-1.amazonaws.com", region: "eu-west-1" };
const TASK_ROLE = { accessKeyId: "AKIDTASKROLE", secretAccessKey: "task-role-secret", sessionToken: "task-role-session" };

let harness: Harness;
let token: string;
beforeAll(async () => {
  const pair = await keyPair();
  harness = await startHarness({ keySource: new MemorySource(jwksText(pair.publicKey)), onAllow: upstreamSigner(ENDPOINT, async () => TASK_ROLE) });
  token = await mint(pair, ["write:data/in/", "read:data/reports/", "delete:data/tmp/"]);
});
afterAll(async () => {
  await harness.close();
});

/** Applies an allow the way Envoy does (remove, overwrite the allowed headers, swap the path, rewrite the host). */
function upstreamOf(method: string, path: string, client: Record<string, string>, answer: Record<string, string | string[] | undefined>) {
  const headers: Record<string, string> = { ...client };
  for (const name of String(answer[HEADERS_TO_REMOVE] ?? "").split(",").filter(Boolean)) delete headers[name];
  for (const name of EXT_AUTHZ_ALLOWED_UPSTREAM_HEADERS) if (typeof answer[name] === "string") headers[name] = answer[name] as string;
  const target = headers[UPSTREAM_PATH_HEADER] ?? path;
  delete headers[UPSTREAM_PATH_HEADER];
  headers.host = ENDPOINT.host;
  return { method, target, headers };
}

describe("the upstream signer behind the check port", () => {
  it("answers a CopyObject with the canonical x-amz-copy-source it judged, signed, for every client spelling", async () => {
    for (const spelled of [encodeURIComponent("data/reports/q1 2024+x.csv"), "/data/reports/q1+2024%2Bx.csv", "data/reports/q1%202024%2Bx.csv"]) {
      const client = { host: "gateway.example.com", "x-amz-security-token": token, "x-amz-copy-source": spelled };
      const response = await harness.check({ method: "PUT", path: "/data/in/copy.csv", headers: client });
      expect(response.status).toBe(200);
      expect(response.headers["x-amz-copy-source"]).toBe("/data/reports/q1%202024%2Bx.csv");
      const upstream = upstreamOf("PUT", "/data/in/copy.csv", client, response.headers);
      const verdict = verifySigV4(upstream, TASK_ROLE, ENDPOINT.region, new Date());
      expect(verdict).toMatchObject({ ok: true });
      expect(verdict.ok && verdict.signedHeaders).toContain("x-amz-copy-source");
    }
  });

  it("refuses a DeleteObjects whose Quiet hides an Object, and one without a token, before anything is signed", async () => {
    const hidden = "<Delete><Quiet><Object><Key>reports/secret</Key></Object></Quiet><Object><Key>tmp/a</Key></Object></Delete>";
    const smuggled = await harness.check({ method: "POST", path: "/data?delete", headers: { "x-amz-security-token": token }, body: hidden });
    expect({ status: smuggled.status, code: parseErrorXml(smuggled.body).code, signed: smuggled.headers.authorization }).toEqual({ status: 400, code: "MalformedXML", signed: undefined });
    const attack = `<Delete><Object><Key>${"&".repeat(2 * 1024 * 1024 - 64)}</Key></Object></Delete>`;
    const anonymous = await harness.check({ method: "POST", path: "/data?delete", body: attack });
    expect({ status: anonymous.status, code: parseErrorXml(anonymous.body).code }).toEqual({ status: 403, code: "AccessDenied" });
    const lastDecision = harness.logs.filter((l) => l.event === "decision").at(-1);
    expect(lastDecision).toMatchObject({ reason: "no-token", operation: "DeleteObjects" });
  });
});

/** A provider whose answers the test releases one by one, counting the calls. */
function scriptedSource() {
  const pending: { resolve: (c: ExpiringCredentials) => void; reject: (e: Error) => void }[] = [];
  const source = () => new Promise<ExpiringCredentials>((resolve, reject) => pending.push({ resolve, reject }));
  return { source, calls: () => pending.length, answer: (index: number) => pending[index] as (typeof pending)[number] };
}
const at = (ms: number) => new Date(ms);
const T0 = Date.parse("2030-01-01T00:00:00Z");
const expiringAt = (ms: number, id = "A"): ExpiringCredentials => ({ accessKeyId: `ASIA${id}`, secretAccessKey: "s", sessionToken: "t", expiration: at(ms) });
/** Lets queued promise callbacks run (the provider is called in a promise turn). */
const settle = () => new Promise((resolve) => setImmediate(resolve));

/** HeldCredentials on a test clock: `now` drives both the expiry checks and the retry interval. */
function held(source: () => Promise<ExpiringCredentials>, failures: string[] = []) {
  const clock = { now: T0 };
  const credentials = new HeldCredentials(source, (error, heldUntil) => failures.push(`${error.message}${heldUntil ? ` (held until ${heldUntil.toISOString()})` : ""}`), () => clock.now);
  return { credentials, clock, at: (ms: number) => ((clock.now = ms), credentials.at(ms)) };
}

/** Answers the first fetch, made at T0 as provider call 0, with `credentials`, and waits for `h` to hold them. */
async function holdFirst(h: ReturnType<typeof held>, answer: ReturnType<typeof scriptedSource>["answer"], credentials: ExpiringCredentials): Promise<void> {
  const first = h.at(T0);
  await settle();
  answer(0).resolve(credentials);
  await first;
}

describe("HeldCredentials", () => {
  it("waits for the provider once, then answers in the same turn until the refresh window", async () => {
    const { source, calls, answer } = scriptedSource();
    const h = held(source);
    const first = h.at(T0);
    const second = h.at(T0);
    expect(first).toBeInstanceOf(Promise);
    await settle();
    expect(calls()).toBe(1);
    const credentials = expiringAt(T0 + 60 * 60_000);
    answer(0).resolve(credentials);
    expect(await first).toBe(credentials);
    expect(await second).toBe(credentials);
    expect(h.at(T0 + 1000)).toBe(credentials);
    expect(h.at(T0 + 60 * 60_000 - CREDENTIAL_REFRESH_AHEAD_MS - 1)).toBe(credentials);
    await settle();
    expect(calls()).toBe(1);
  });

  it("refreshes in the background inside the window, keeps serving the held ones, and swaps when the new ones arrive", async () => {
    const { source, calls, answer } = scriptedSource();
    const h = held(source);
    const old = expiringAt(T0 + 60 * 60_000, "OLD");
    await holdFirst(h, answer, old);
    const inWindow = T0 + 60 * 60_000 - CREDENTIAL_REFRESH_AHEAD_MS + 1;
    expect(h.at(inWindow)).toBe(old);
    expect(h.at(inWindow + CREDENTIAL_RETRY_MS)).toBe(old);
    await settle();
    expect(calls()).toBe(2);
    const fresh = expiringAt(T0 + 2 * 60 * 60_000, "NEW");
    answer(1).resolve(fresh);
    await settle();
    expect(h.at(inWindow + CREDENTIAL_RETRY_MS + 1)).toBe(fresh);
  });

  it("retries a failed refresh at most every CREDENTIAL_RETRY_MS, reports each background failure, and refuses with the last error in between once nothing valid is held", async () => {
    const { source, calls, answer } = scriptedSource();
    const failures: string[] = [];
    const h = held(source, failures);
    const expiry = T0 + 10 * 60_000;
    const old = expiringAt(expiry);
    await holdFirst(h, answer, old);
    const failedAt = expiry - CREDENTIAL_MIN_VALIDITY_MS - 5_000;
    expect(h.at(failedAt)).toBe(old);
    await settle();
    answer(1).reject(new Error("metadata endpoint unreachable"));
    await settle();
    expect(failures).toEqual([`metadata endpoint unreachable (held until ${at(expiry).toISOString()})`]);
    expect(h.at(failedAt + 1_000)).toBe(old);
    await settle();
    expect(calls()).toBe(2);
    // Under a minute left and the provider failed under CREDENTIAL_RETRY_MS ago: refused without a call.
    await expect(h.at(expiry - CREDENTIAL_MIN_VALIDITY_MS)).rejects.toThrow("metadata endpoint unreachable");
    expect(calls()).toBe(2);
    const retried = h.at(failedAt + CREDENTIAL_RETRY_MS);
    await settle();
    expect(calls()).toBe(3);
    answer(2).reject(new Error("gone"));
    await expect(retried).rejects.toThrow("gone");
  });

  it("keeps credentials without an expiration", async () => {
    const { source, calls, answer } = scriptedSource();
    const h = held(source);
    await holdFirst(h, answer, { accessKeyId: "AKIA", secretAccessKey: "s" });
    expect(h.at(T0 + 365 * 24 * 3600_000)).toEqual({ accessKeyId: "AKIA", secretAccessKey: "s" });
    expect(calls()).toBe(1);
  });

  it("refuses fetched credentials that are expired, expire within a minute, or carry an invalid expiration, and calls the provider again only after CREDENTIAL_RETRY_MS", async () => {
    for (const [expiration, message] of [
      [at(T0 - 1000), /expiring at 2029-12-31T23:59:59.000Z, under 60 s away/],
      [at(T0 + CREDENTIAL_MIN_VALIDITY_MS), /under 60 s away/],
      [new Date(Number.NaN), /invalid expiration/],
    ] as const) {
      let calls = 0;
      const h = held(async () => {
        calls++;
        return { accessKeyId: "ASIAEXPIRED", secretAccessKey: "s", expiration };
      });
      await expect(h.at(T0)).rejects.toThrow(message);
      await expect(h.at(T0 + 1)).rejects.toThrow(message);
      expect(calls).toBe(1);
      await expect(h.at(T0 + CREDENTIAL_RETRY_MS)).rejects.toThrow(message);
      expect(calls).toBe(2);
    }
  });

  it("keeps the set that expires later when a refresh returns one that expires sooner", async () => {
    const { source, answer } = scriptedSource();
    const h = held(source);
    const long = expiringAt(T0 + 65 * 60_000, "LONG");
    await holdFirst(h, answer, long);
    h.credentials.refreshInBackground(T0 + CREDENTIAL_RETRY_MS);
    h.clock.now = T0 + CREDENTIAL_RETRY_MS;
    h.credentials.refreshInBackground(T0 + CREDENTIAL_RETRY_MS);
    await settle();
    answer(1).resolve(expiringAt(T0 + 30 * 60_000, "SHORT"));
    await settle();
    expect(h.at(T0 + 20 * 60_000)).toBe(long);
  });

  it("gives up on a provider that does not answer within CREDENTIAL_FETCH_TIMEOUT_MS, so a recovered provider is called again", async () => {
    jest.useFakeTimers({ doNotFake: ["setImmediate", "nextTick", "queueMicrotask"] });
    try {
      let calls = 0;
      let hang = true;
      const h = held(() => {
        calls++;
        return hang ? new Promise<ExpiringCredentials>(() => {}) : Promise.resolve(expiringAt(T0 + 60 * 60_000, "BACK"));
      });
      const waiting = h.at(T0);
      const outcome = expect(waiting).rejects.toThrow(`did not answer within ${CREDENTIAL_FETCH_TIMEOUT_MS} ms`);
      await settle();
      jest.advanceTimersByTime(CREDENTIAL_FETCH_TIMEOUT_MS);
      await outcome;
      hang = false;
      const next = h.at(T0 + CREDENTIAL_RETRY_MS);
      await expect(next).resolves.toMatchObject({ accessKeyId: "ASIABACK" });
      expect(calls).toBe(2);
    } finally {
      jest.useRealTimers();
    }
  });

  it("fails the attempt, not the caller, when the provider throws synchronously", async () => {
    const failures: string[] = [];
    const h = held(() => {
      throw new Error("no provider configured");
    }, failures);
    expect(() => h.credentials.refreshInBackground(T0)).not.toThrow();
    await settle();
    expect(failures).toEqual(["no provider configured"]);
    h.clock.now = T0 + CREDENTIAL_RETRY_MS;
    await expect(h.at(T0 + CREDENTIAL_RETRY_MS)).rejects.toThrow("no provider configured");
  });

  it("times its retry interval on the monotonic clock, so a wall clock stepped back still refreshes", async () => {
    const { source, calls, answer } = scriptedSource();
    let monotonic = 0;
    const credentials = new HeldCredentials(source, () => {}, () => monotonic);
    const first = credentials.at(T0);
    await settle();
    answer(0).resolve(expiringAt(T0 + 10 * 60_000));
    await first;
    monotonic += CREDENTIAL_RETRY_MS;
    // The wall clock went back an hour but is inside the refresh window of the held set once it comes forward; here it is
    // the monotonic clock that decides whether the provider may be called again.
    credentials.refreshInBackground(T0 - 60 * 60_000);
    await settle();
    expect(calls()).toBe(2);
  });
});

describe("HeldCredentials, against what a provider may return", () => {
  it("refuses credentials that cannot sign: a session token with a line break, a missing key, a non-date expiration", async () => {
    for (const [credentials, message] of [
      [{ accessKeyId: "ASIA", secretAccessKey: "s", sessionToken: "tok\r" }, /session token with characters a header cannot carry/],
      [{ accessKeyId: "ASIA\n", secretAccessKey: "s" }, /access key id with characters/],
      [{ accessKeyId: "", secretAccessKey: "s" }, /no access key id/],
      [{ accessKeyId: "ASIA" }, /no secret access key/],
      [{ accessKeyId: "ASIA", secretAccessKey: "s", expiration: "2031-01-01T00:00:00Z" }, /expiration that is not a date/],
      [null, /returned no credentials/],
    ] as const) {
      const failures: string[] = [];
      const h = held(async () => credentials as unknown as ExpiringCredentials, failures);
      await expect(h.at(T0)).rejects.toThrow(message);
      expect(failures).toHaveLength(1);
    }
  });

  it("calls the provider at most once per CREDENTIAL_RETRY_MS even when each fetch succeeds with barely a minute left", async () => {
    let calls = 0;
    const h = held(async () => {
      calls++;
      return expiringAt(h.clock.now + CREDENTIAL_MIN_VALIDITY_MS + 1_000);
    });
    for (let t = T0; t < T0 + 13_500; t += 1_500) {
      const answer = h.at(t);
      if (answer instanceof Promise) await answer.catch(() => {});
    }
    expect(calls).toBeLessThanOrEqual(2);
  });

  it("refuses every waiter once the credentials have under a minute left when the slow fetch answers", async () => {
    const { source, answer } = scriptedSource();
    let monotonic = 0;
    const credentials = new HeldCredentials(source, () => {}, () => monotonic);
    const first = credentials.at(T0);
    monotonic += 4_500;
    const second = credentials.at(T0 + 4_500);
    await settle();
    answer(0).resolve(expiringAt(T0 + CREDENTIAL_MIN_VALIDITY_MS + 1_000));
    await expect(first).rejects.toThrow(/under 60 s away/);
    await expect(second).rejects.toThrow(/under 60 s away/);
  });

  it("reports every failed attempt, whether a check or the background started it, and survives a throwing reporter", async () => {
    let calls = 0;
    const reported: string[] = [];
    const credentials = new HeldCredentials(
      async () => {
        calls++;
        throw new Error(`outage ${calls}`);
      },
      (error) => {
        reported.push(error.message);
        throw new Error("the logger failed too");
      },
      () => h.now,
    );
    const h = { now: 0 };
    for (let i = 0; i < 4; i++) {
      h.now = i * CREDENTIAL_RETRY_MS;
      await expect(credentials.at(T0 + h.now)).rejects.toThrow(`outage ${i + 1}`);
    }
    expect(reported).toEqual(["outage 1", "outage 2", "outage 3", "outage 4"]);
  });
});

describe("HeldCredentials.problem, for /readyz", () => {
  it("says why nothing valid is held, and asks the provider again at most every CREDENTIAL_RETRY_MS while a probe asks", async () => {
    let calls = 0;
    let failing = true;
    const h = held(async () => {
      calls++;
      if (failing) throw new Error("container credentials endpoint refused the connection");
      return expiringAt(T0 + 60 * 60_000);
    });
    expect(h.credentials.problem(T0)).toBe("task role credentials not fetched yet");
    await settle();
    expect(calls).toBe(1);
    expect(h.credentials.problem(T0)).toBe("task role credentials unavailable: container credentials endpoint refused the connection");
    await settle();
    expect(calls).toBe(1);
    failing = false;
    h.clock.now = T0 + CREDENTIAL_RETRY_MS;
    expect(h.credentials.problem(T0 + CREDENTIAL_RETRY_MS)).toMatch(/unavailable/);
    await settle();
    expect(calls).toBe(2);
    expect(h.credentials.problem(T0 + CREDENTIAL_RETRY_MS)).toBeUndefined();
  });
});

describe("the upstream signer and /readyz", () => {
  it("keeps the authorizer unready while no credentials can be fetched, naming why", async () => {
    const pair = await keyPair();
    const local = await startHarness({
      keySource: new MemorySource(jwksText(pair.publicKey)),
      onAllow: upstreamSigner(ENDPOINT, async () => {
        throw new Error("no credentials in the environment");
      }),
    });
    try {
      expect(local.app.authorizer.ready()).toEqual({ ready: false, problems: ["task role credentials unavailable: no credentials in the environment"] });
    } finally {
      await local.close();
    }
  });
});

describe("upstreamSigner", () => {
  it("fetches the credentials at construction and then signs in the check's own turn", async () => {
    const pair = await keyPair();
    const tokenText = await mint(pair, ["read:data/"]);
    let calls = 0;
    const signer = upstreamSigner(ENDPOINT, async () => {
      calls++;
      return TASK_ROLE;
    });
    await settle();
    expect(calls).toBe(1);
    const local = await startHarness({ keySource: new MemorySource(jwksText(pair.publicKey)), onAllow: signer });
    try {
      const response = await local.check({ method: "GET", path: "/data/k", headers: { host: "gateway.example.com", "x-amz-security-token": tokenText } });
      expect(response.status).toBe(200);
      expect(response.headers.authorization).toMatch(/^AWS4-HMAC-SHA256 Credential=AKIDTASKROLE\/\d{8}\/eu-west-1\/s3\/aws4_request, SignedHeaders=host;x-amz-content-sha256;x-amz-date;x-amz-security-token, Signature=[0-9a-f]{64}$/);
      expect(calls).toBe(1);
    } finally {
      await local.close();
    }
  });
});
