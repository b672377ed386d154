import fc from "fast-check";
import { allowed, denialError, headerSafeMessage, MAX_ERROR_MESSAGE_HEADER_CHARS, respond, type CheckOutcome, type LocalDeny } from "../../../handlers/authorizer/check-response";
import type { Decision } from "../../../src/decision";
import { s3Error } from "../../../src/errors";
import { tokenFixture, type TokenFixture } from "../../support/tokens";

let fixture: TokenFixture;
let allow: Decision;
let deny: Decision;
const slowDown: LocalDeny = { reason: "rate-limited", error: s3Error("SlowDown", "too many requests for subject 'alice'; retry after 1s") };

beforeAll(async () => {
  fixture = await tokenFixture();
  allow = await fixture.decideWith(["read:data/"], { method: "GET", path: "/data/a" });
  deny = await fixture.decideWith(["read:data/"], { method: "GET", path: "/other/a" });
  expect([allow.allow, deny.allow]).toEqual([true, false]);
});

describe("the check port's answer", () => {
  it("answers 200 with only the extra headers when the core allowed and nothing local denied", () => {
    expect(respond({ decision: allow, local: undefined, extraHeaders: { "x-amz-date": "20300101T000000Z" } }, "r1")).toEqual({
      status: 200,
      headers: { "x-amz-date": "20300101T000000Z" },
      body: "",
    });
  });

  it("answers a local denial over an allowing decision, keeping its retry-after", () => {
    const response = respond({ decision: allow, local: slowDown, extraHeaders: { "retry-after": "1" } }, "r2");
    expect(response.status).toBe(slowDown.error.status);
    expect(response.headers).toEqual({
      "content-type": "application/xml",
      "x-amz-request-id": "r2",
      "x-amz-error-code": "SlowDown",
      "x-amz-error-message": "too many requests for subject 'alice'; retry after 1s",
      "retry-after": "1",
    });
    expect(response.body).toContain("<Code>SlowDown</Code>");
    expect(response.body).toContain("<RequestId>r2</RequestId>");
  });

  it("answers the core's own error when it denied", () => {
    const response = respond({ decision: deny, local: undefined, extraHeaders: {} }, "r3");
    expect(response.status).toBe(403);
    expect(response.body).toContain("<Code>AccessDenied</Code>");
    expect(denialError({ decision: deny, local: undefined, extraHeaders: {} })).toEqual((deny as Extract<Decision, { allow: false }>).error);
    expect(denialError({ decision: allow, local: undefined, extraHeaders: {} })).toBeUndefined();
  });

  it("carries the code and message in headers too, for a HEAD whose answer has no body", () => {
    const response = respond({ decision: deny, local: undefined, extraHeaders: {} }, "r5");
    const error = (deny as Extract<Decision, { allow: false }>).error;
    expect(response.headers["x-amz-error-code"]).toBe("AccessDenied");
    expect(response.headers["x-amz-error-message"]).toBe(error.message);
    expect(error.message).toMatch(/s3:\/\/other\/a/);
  });

  it("makes any message a valid header value: printable ASCII, bounded, the same when it already was", () => {
    expect(headerSafeMessage("key 'caf\u00e9\r\nx' is not granted")).toBe("key 'caf???x' is not granted");
    fc.assert(
      fc.property(fc.string({ unit: "binary", maxLength: 2000 }), (message) => {
        const value = headerSafeMessage(message);
        expect(value).toMatch(/^[\x20-\x7e]*$/);
        expect(value.length).toBeLessThanOrEqual(MAX_ERROR_MESSAGE_HEADER_CHARS);
        if (/^[\x20-\x7e]*$/.test(message) && message.length <= MAX_ERROR_MESSAGE_HEADER_CHARS) expect(value).toBe(message);
      }),
    );
  });

  it("denies with AccessDenied when neither a decision nor a local denial exists (fail closed)", () => {
    const response = respond({ decision: undefined, local: undefined, extraHeaders: {} }, "r4");
    expect(response.status).toBe(403);
    expect(response.body).toContain("internal error in the gateway");
  });

  it("answers 200 exactly when the core allowed and nothing local denied, for any combination", () => {
    const outcome = fc.record({
      decision: fc.constantFrom<Decision | undefined>(undefined, allow, deny),
      local: fc.constantFrom<LocalDeny | undefined>(undefined, slowDown),
      extraHeaders: fc.dictionary(fc.constantFrom("retry-after", "x-amz-date", "authorization"), fc.string({ maxLength: 8 })),
    });
    fc.assert(
      fc.property(outcome, fc.stringMatching(/^[a-z0-9-]{1,12}$/), (o: CheckOutcome, requestId) => {
        const response = respond(o, requestId);
        const isAllowed = o.local === undefined && o.decision?.allow === true;
        expect(allowed(o)).toBe(isAllowed);
        expect(response.status === 200).toBe(isAllowed);
        if (!isAllowed) expect(response.body).toContain(`<RequestId>${requestId}</RequestId>`);
      }),
    );
  });
});
