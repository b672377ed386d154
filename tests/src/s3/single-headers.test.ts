import fc from "fast-check";
import type { IncomingMessage } from "node:http";
import { gatewayRequest } from "../../../handlers/authorizer/server";
import { s3Error } from "../../../src/errors";
import { combineHeaders, repeatedHeaderMessage, SINGLE_HEADER_NAMES, SINGLE_VALUE_HEADERS, TOKEN_HEADER_NAMES } from "../../../src/s3/single-headers";

describe("single-value headers", () => {
  it("lists each header once, token carriers as InvalidToken", () => {
    const names = SINGLE_VALUE_HEADERS.map((h) => h.name);
    expect(new Set(names).size).toBe(names.length);
    expect(SINGLE_VALUE_HEADERS.filter((h) => h.code === "InvalidToken").map((h) => h.name).sort()).toEqual([...TOKEN_HEADER_NAMES].sort());
    expect(SINGLE_VALUE_HEADERS.filter((h) => h.code === "InvalidRequest").map((h) => h.name).sort()).toEqual([...SINGLE_HEADER_NAMES].sort());
  });

  it.each(SINGLE_VALUE_HEADERS.map((h) => [h.name, h] as const))("the authorizer refuses a repeated %s with the shared code and message", (name, header) => {
    const req = { method: "GET", url: "/b/k", headersDistinct: { host: ["s3.local"], [name]: ["one", "two"] } } as unknown as IncomingMessage;
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
