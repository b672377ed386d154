import fc from "fast-check";
import { createServer, type IncomingMessage } from "node:http";
import { connect, type AddressInfo } from "node:net";
import { gatewayRequest } from "../../../handlers/authorizer/server";
import { s3Error } from "../../../src/errors";
import { combineHeaders, combineRawHeaders, repeatedHeaderMessage, SINGLE_HEADER_NAMES, SINGLE_VALUE_HEADERS, TOKEN_HEADER_NAMES } from "../../../src/s3/single-headers";

describe("single-value headers", () => {
  it("lists each header once, token carriers as InvalidToken", () => {
    const names = SINGLE_VALUE_HEADERS.map((h) => h.name);
    expect(new Set(names).size).toBe(names.length);
    expect(SINGLE_VALUE_HEADERS.filter((h) => h.code === "InvalidToken").map((h) => h.name).sort()).toEqual([...TOKEN_HEADER_NAMES].sort());
    expect(SINGLE_VALUE_HEADERS.filter((h) => h.code === "InvalidRequest").map((h) => h.name).sort()).toEqual([...SINGLE_HEADER_NAMES].sort());
  });

  it.each(SINGLE_VALUE_HEADERS.map((h) => [h.name, h] as const))("the authorizer refuses a repeated %s with the shared code and message", (name, header) => {
    const req = { method: "GET", url: "/b/k", rawHeaders: ["Host", "s3.local", name, "one", name.toUpperCase(), "two"] } as unknown as IncomingMessage;
    expect(gatewayRequest(req, undefined).deny?.error).toMatchObject({ code: header.code, message: repeatedHeaderMessage(header) });
  });
});

describe("combineHeaders", () => {
  it("joins repeats of other headers with ',' across names differing only in case, as HTTP allows", () => {
    expect(combineHeaders({ "X-Amz-Meta-A": "1", "x-amz-meta-a": ["2", "3"], accept: "text/xml" })).toEqual({
      headers: { "x-amz-meta-a": "1,2,3", accept: "text/xml" },
    });
  });

  it("refuses the first repeated single-value header, also when the repeat comes from two spellings of its name", () => {
    const { headers, refusal } = combineHeaders({ "X-Amz-Security-Token": "a", "x-amz-security-token": "b", "x-amz-copy-source": ["c", "d"] });
    expect(refusal).toMatchObject({ code: "InvalidToken", message: "header 'x-amz-security-token' sent more than once; send the token exactly once" });
    expect(headers["x-amz-copy-source"]).toBe("c,d");
  });

  it("passes a single value of every single-value header untouched", () => {
    const one = Object.fromEntries(SINGLE_VALUE_HEADERS.map((h) => [h.name, `v-${h.name}`]));
    expect(combineHeaders(one)).toEqual({ headers: one });
  });
});

/** The rule stated plainly (values gathered per lower-case name, then joined): combineHeaders must agree with it. */
function combinedByRule(headers: Record<string, string | readonly string[]>): ReturnType<typeof combineHeaders> {
  const values = new Map<string, string[]>();
  for (const [name, value] of Object.entries(headers)) {
    const lower = name.toLowerCase();
    values.set(lower, [...(values.get(lower) ?? []), ...(typeof value === "string" ? [value] : value)]);
  }
  const combined: Record<string, string> = {};
  let refusal;
  for (const [name, list] of values) {
    const single = SINGLE_VALUE_HEADERS.find((h) => h.name === name);
    if (list.length > 1 && single && !refusal) refusal = s3Error(single.code, repeatedHeaderMessage(single));
    combined[name] = list.join(",");
  }
  return refusal ? { headers: combined, refusal } : { headers: combined };
}

describe("combineHeaders against the rule", () => {
  const names = fc.constantFrom(...SINGLE_VALUE_HEADERS.map((h) => h.name), "Host", "X-Amz-Date", "Authorization", "accept", "Accept", "x-custom", "X-CUSTOM", "range");
  const values = fc.oneof(fc.string({ maxLength: 6 }), fc.array(fc.string({ maxLength: 6 }), { maxLength: 3 }));
  it("joins, orders and refuses exactly as the rule says, whatever the names, spellings and value lists", () => {
    fc.assert(
      fc.property(fc.dictionary(names, values, { maxKeys: 8 }), (headers) => {
        expect(combineHeaders(headers)).toEqual(combinedByRule(headers));
        expect(Object.keys(combineHeaders(headers).headers)).toEqual(Object.keys(combinedByRule(headers).headers));
      }),
      { numRuns: 500 },
    );
  });
});

/** Header values gathered by lower-case name in arrival order: Node's `headersDistinct`. */
function distinct(raw: readonly string[]): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (let i = 0; i < raw.length; i += 2) (out[(raw[i] as string).toLowerCase()] ??= []).push(raw[i + 1] as string);
  return out;
}

describe("combineRawHeaders (the check port's reading)", () => {
  const names = fc.constantFrom(...SINGLE_VALUE_HEADERS.map((h) => h.name), "Host", "X-Amz-Date", "Authorization", "accept", "Accept", "x-custom", "X-CUSTOM", "range");
  it("agrees with combineHeaders over headersDistinct, whatever the repeats, spellings and order", () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(names, fc.string({ maxLength: 6 })), { maxLength: 10 }), (pairs) => {
        const raw = pairs.flat();
        const viaRaw = combineRawHeaders(raw);
        expect(viaRaw).toEqual(combineHeaders(distinct(raw)));
        expect(Object.keys(viaRaw.headers)).toEqual(Object.keys(combineHeaders(distinct(raw)).headers));
      }),
      { numRuns: 500 },
    );
  });

  it("reads a real request's rawHeaders as combineHeaders reads its headersDistinct", async () => {
    const seen: { raw: string[]; distinct: Record<string, string[]> }[] = [];
    const server = createServer((req, res) => {
      seen.push({ raw: req.rawHeaders, distinct: req.headersDistinct as Record<string, string[]> });
      res.end();
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const { port } = server.address() as AddressInfo;
    const head = "GET /b/k HTTP/1.1\r\nHost: s3.local\r\nX-Amz-Meta-A: 1\r\nx-amz-meta-a: 2\r\nX-AMZ-SECURITY-TOKEN: t1\r\nx-amz-security-token: t2\r\nAccept: a\r\nConnection: close\r\n\r\n";
    await new Promise<void>((resolve, reject) => {
      const socket = connect(port, "127.0.0.1", () => socket.end(head));
      socket.on("data", () => undefined);
      socket.on("close", () => resolve());
      socket.on("error", reject);
    });
    await new Promise<void>((resolve) => server.close(() => resolve()));
    expect(seen).toHaveLength(1);
    const [{ raw, distinct: fromNode }] = seen as [{ raw: string[]; distinct: Record<string, string[]> }];
    const combined = combineRawHeaders(raw);
    expect(combined).toEqual(combineHeaders(fromNode));
    expect(combined.headers["x-amz-meta-a"]).toBe("1,2");
    expect(combined.refusal?.code).toBe("InvalidToken");
  });
});
