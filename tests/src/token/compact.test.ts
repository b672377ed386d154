import fc from "fast-check";
import { decide } from "../../../src/decision";
import { base64urlProblem, canonicalToken, compactTokenProblem } from "../../../src/token/compact";
import { tokenFixture, type TokenFixture } from "../../support/tokens";

let fixture: TokenFixture;
let token: string;
beforeAll(async () => {
  fixture = await tokenFixture();
  token = await fixture.mint(["read:data/"]);
});

const ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

describe("canonical base64url segments", () => {
  it.each([
    ["AA", undefined],
    ["AAA", undefined],
    ["AAAA", undefined],
    ["AQ", undefined],
    ["AR", "ends in a non-canonical character (its unused low bits are not zero)"],
    ["AAB", "ends in a non-canonical character (its unused low bits are not zero)"],
    ["AA==", "has '=' padding"],
    ["AA A", "contains whitespace"],
    ["AA\tA", "contains whitespace"],
    ["AA+/", "contains '+', which is not base64url"],
    ["AAAAA", "has a length no base64url encoding has"],
    ["", "is empty"],
  ])("%j: %s", (segment, problem) => {
    expect(base64urlProblem(segment)).toBe(problem);
  });

  it("accepts exactly what Buffer's base64url encoder writes", () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 1, maxLength: 64 }), (bytes) => {
        expect(base64urlProblem(Buffer.from(bytes).toString("base64url"))).toBeUndefined();
      }),
    );
  });

  it("accepts a segment only if re-encoding its decoded bytes gives it back", () => {
    fc.assert(
      fc.property(fc.string({ unit: fc.constantFrom(...ALPHABET, "=", " "), minLength: 1, maxLength: 12 }), (segment) => {
        const canonical = Buffer.from(segment, "base64url").toString("base64url") === segment;
        expect(base64urlProblem(segment) === undefined).toBe(canonical);
      }),
      { numRuns: 2000 },
    );
  });
});

/** Spellings of one token that lenient base64 decoders read as the same bytes. */
function respellings(jwt: string): fc.Arbitrary<string> {
  const parts = jwt.split(".");
  return fc
    .record({
      segment: fc.constantFrom(0, 1, 2),
      change: fc.constantFrom("pad", "space", "tab", "newline", "last-bits", "std-alphabet"),
      at: fc.nat(),
    })
    .map(({ segment, change, at }) => {
      const s = parts[segment] as string;
      // Strictly inside the segment: whitespace around the whole header value is not part of it (HTTP trims it).
      const i = 1 + (at % (s.length - 1));
      let changed: string;
      switch (change) {
        case "pad":
          changed = `${s}${"=".repeat((4 - (s.length % 4)) % 4 || 2)}`;
          break;
        case "space":
          changed = `${s.slice(0, i)} ${s.slice(i)}`;
          break;
        case "tab":
          changed = `${s.slice(0, i)}\t${s.slice(i)}`;
          break;
        case "newline":
          changed = `${s.slice(0, i)}\n${s.slice(i)}`;
          break;
        case "last-bits": {
          // Flip an unused low bit of the last character when the length leaves some; else pad.
          const unused = s.length % 4 === 2 ? 4 : s.length % 4 === 3 ? 2 : 0;
          if (unused === 0) {
            changed = `${s}==`;
            break;
          }
          const value = ALPHABET.indexOf(s[s.length - 1] as string);
          changed = s.slice(0, -1) + ALPHABET[value ^ 1];
          break;
        }
        default:
          changed = s.replace(/-/g, "+").replace(/_/g, "/");
          if (changed === s) changed = `${s}=`;
      }
      const next = [...parts];
      next[segment] = changed;
      return next.join(".");
    });
}

describe("one token, one spelling", () => {
  it("accepts the token as minted", async () => {
    expect(compactTokenProblem(token)).toBeUndefined();
    expect(await fixture.decideWith(["read:data/"], { method: "GET", path: "/data/a" })).toMatchObject({ allow: true });
  });

  it("refuses `==` appended to the signature and spaces in it, before verifying", async () => {
    let verified = 0;
    const base = fixture.context();
    const context = { ...base, verify: (t: string) => ((verified += 1), base.verify(t)) };
    for (const spelled of [`${token}==`, `${token.slice(0, -3)} ${token.slice(-3)}`, `${token.slice(0, -3)}\t${token.slice(-3)}`]) {
      const decision = await decide({ method: "GET", path: "/data/a", headers: { host: "gw", "x-amz-security-token": spelled } }, context);
      expect(decision).toMatchObject({ allow: false, status: 400, reason: "malformed", error: { code: "InvalidToken" } });
      expect(decision.allow || decision.error.message).not.toContain(token.split(".")[2]);
    }
    expect(verified).toBe(0);
  });

  it("hands back the text first seen for a token repeated in a new string, and never for a different text", () => {
    const first = Buffer.from(token).toString("latin1");
    const again = Buffer.from(token).toString("latin1");
    expect(canonicalToken(first)).toBe(first);
    expect(canonicalToken(again)).toBe(first);
    const [header, payload, signature] = token.split(".") as [string, string, string];
    expect(canonicalToken(`${header}.${payload}=.${signature}`)).toEqual({ problem: expect.stringMatching(/^token payload /) });
    const other = `${header.slice(0, -4)}AAAA.${payload}.${signature}`;
    expect(canonicalToken(other)).toBe(other);
  });

  it("answers a token seen before as the first time, and a respelling that keeps its signature by scanning it", () => {
    expect(compactTokenProblem(token)).toBeUndefined();
    expect(compactTokenProblem(token)).toBeUndefined();
    const [header, payload, signature] = token.split(".") as [string, string, string];
    expect(compactTokenProblem(`${header}.${payload}=.${signature}`)).toMatch(/^token payload /);
    expect(compactTokenProblem(`${header}.${payload.slice(0, 4)}\t${payload.slice(4)}.${signature}`)).toMatch(/^token payload contains whitespace/);
    expect(compactTokenProblem(token)).toBeUndefined();
  });

  it("refuses every non-canonical spelling of a valid token, in all three segments", async () => {
    const context = fixture.context();
    await fc.assert(
      fc.asyncProperty(respellings(token), async (spelled) => {
        fc.pre(spelled !== token);
        expect(compactTokenProblem(spelled)).toBeDefined();
        const decision = await decide({ method: "GET", path: "/data/a", headers: { host: "gw", "x-amz-security-token": spelled } }, context);
        expect(decision).toMatchObject({ allow: false, error: { code: "InvalidToken" } });
      }),
      { numRuns: 300 },
    );
  });
});
