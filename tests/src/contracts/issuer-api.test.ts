import { parseIssuerErrorBody, parseIssueTokenRequest, parseIssueTokenResponse } from "../../../src/contracts/issuer-api";

describe("parseIssueTokenRequest", () => {
  it("reads grants and an optional lifetime", () => {
    expect(parseIssueTokenRequest({ grants: ["read:data/reports/"] })).toEqual({ ok: true, value: { grants: ["read:data/reports/"] } });
    expect(parseIssueTokenRequest({ grants: ["read:data/reports/", "write:data/x"], ttlSeconds: 900 })).toEqual({ ok: true, value: { grants: ["read:data/reports/", "write:data/x"], ttlSeconds: 900 } });
  });

  it.each([
    [null, "the body is not a JSON object"],
    [["read:data/"], "the body is not a JSON object"],
    [{}, "grants is missing or not a list"],
    [{ grants: "read:data/" }, "grants is missing or not a list"],
    [{ grants: [] }, "grants is empty"],
    [{ grants: ["read:data/", 7] }, "grants[1] is not a string"],
    [{ grants: ["read:data/", "read data"] }, 'grants[1]: grant "read data" has no \':\''],
    [{ grants: ["read:data/"], ttlSeconds: "900" }, 'ttlSeconds is "900"; send a positive whole number of seconds'],
    [{ grants: ["read:data/"], ttlSeconds: 0 }, "ttlSeconds is 0"],
    [{ grants: ["read:data/"], ttlSeconds: 1.5 }, "ttlSeconds is 1.5"],
    [{ grants: ["read:data/"], ttl: 900 }, 'the body has unknown field "ttl"; the fields are grants, ttlSeconds'],
  ])("refuses %j, naming the field (%s)", (body, words) => {
    const parsed = parseIssueTokenRequest(body);
    expect(parsed.ok).toBe(false);
    expect((parsed as { problem: string }).problem).toContain(words);
  });
});

describe("parseIssueTokenResponse", () => {
  const response = {
    credentials: { AccessKeyId: "ASIAEXAMPLEEXAMPLE12", SecretAccessKey: "secret", SessionToken: "a.b.c", Expiration: "2030-01-01T00:15:00.000Z" },
    grants: ["read:data/reports/"],
    jti: "0f8fad5b-d9cb-469f-a165-70867728950e",
    expiresAt: "2030-01-01T00:15:00.000Z",
  };

  it("reads a response", () => {
    expect(parseIssueTokenResponse(JSON.parse(JSON.stringify(response)))).toEqual({ ok: true, value: response });
  });

  it.each([
    [{ ...response, credentials: undefined }, "has no credentials object"],
    [{ ...response, credentials: { ...response.credentials, SessionToken: "" } }, "has no credentials.SessionToken"],
    [{ ...response, credentials: { ...response.credentials, Expiration: "tomorrow" } }, "credentials.Expiration \"tomorrow\""],
    [{ ...response, grants: [1] }, "has no grants list"],
    [{ ...response, jti: 3 }, "has no jti"],
    [{ ...response, expiresAt: 1893456900 }, "has expiresAt 1893456900"],
  ])("refuses %#, naming what is wrong (%s)", (body, words) => {
    expect(parseIssueTokenResponse(body)).toEqual({ ok: false, problem: expect.stringContaining(words) });
  });
});

describe("parseIssuerErrorBody", () => {
  it("reads an error with a known code", () => {
    expect(parseIssuerErrorBody({ error: { code: "AccessDenied", message: "no" } })).toEqual({ ok: true, value: { error: { code: "AccessDenied", message: "no" } } });
  });

  it("refuses unknown codes and other shapes", () => {
    expect(parseIssuerErrorBody({ error: { code: "Teapot", message: "no" } }).ok).toBe(false);
    expect(parseIssuerErrorBody({ message: "Forbidden" }).ok).toBe(false);
  });
});
