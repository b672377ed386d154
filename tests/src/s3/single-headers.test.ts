import type { IncomingMessage } from "node:http";
import { gatewayRequest } from "../../../handlers/authorizer/server";
import { repeatedHeaderMessage, SINGLE_HEADERS, SINGLE_VALUE_HEADERS, TOKEN_HEADERS } from "../../../src/s3/single-headers";

describe("single-value headers", () => {
  it("lists each header once, token carriers as InvalidToken", () => {
    const names = SINGLE_VALUE_HEADERS.map((h) => h.name);
    expect(new Set(names).size).toBe(names.length);
    expect(SINGLE_VALUE_HEADERS.filter((h) => h.code === "InvalidToken").map((h) => h.name).sort()).toEqual([...TOKEN_HEADERS].sort());
    expect(SINGLE_VALUE_HEADERS.filter((h) => h.code === "InvalidRequest").map((h) => h.name).sort()).toEqual([...SINGLE_HEADERS].sort());
  });

  it.each(SINGLE_VALUE_HEADERS.map((h) => [h.name, h] as const))("the authorizer refuses a repeated %s with the shared code and message", (name, header) => {
    const req = { method: "GET", url: "/b/k", headersDistinct: { host: ["s3.local"], [name]: ["one", "two"] } } as unknown as IncomingMessage;
    expect(gatewayRequest(req, undefined).deny?.error).toMatchObject({ code: header.code, message: repeatedHeaderMessage(header) });
  });
});
