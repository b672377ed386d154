import type { IncomingMessage } from "node:http";
import { gatewayRequest } from "../../../handlers/authorizer/server";
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
