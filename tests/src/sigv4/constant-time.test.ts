import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";

/**
 * Signatures and secrets are compared only with crypto.timingSafeEqual (src/sigv4/verify.ts
 * `sameText` and `timingSafeEqual` on the signature bytes): an `===` on them would answer faster
 * the earlier they differ. This scans the code that handles them for `===`/`!==` with an operand
 * naming a signature or secret, other than a check against undefined, null, a literal or a typeof.
 */
const ROOT = join(__dirname, "../../..");
const SCANNED = [
  ...readdirSync(join(ROOT, "src/sigv4")).map((f) => `src/sigv4/${f}`),
  "src/token/binding.ts",
  "src/token/credentials.ts",
  "handlers/authorizer/client-signature.ts",
];

const SENSITIVE = /signature|secret|\bsk\b|expected/i;
const HARMLESS = /^(undefined|null|true|false|\d+|"[^"]*"|'[^']*'|`[^`]*`)$/;
const COMPARISON = /([\w.$[\]"'()`]+)\s*(===|!==)\s*([\w.$[\]"'()`]+)/g;

function findComparisons(source: string): string[] {
  const found: string[] = [];
  for (const [index, line] of source.split("\n").entries()) {
    if (/^\s*(\/\/|\*|\/\*)/.test(line)) continue;
    for (const match of line.matchAll(COMPARISON)) {
      const [left, right] = [match[1], match[3]].map((operand) => (operand as string).replace(/^\(+|\)+$/g, "")) as [string, string];
      if (HARMLESS.test(left) || HARMLESS.test(right) || /typeof\s*$/.test(line.slice(0, match.index))) continue;
      if (SENSITIVE.test(left) || SENSITIVE.test(right)) found.push(`${index + 1}: ${line.trim()}`);
    }
  }
  return found;
}

describe("constant-time comparisons", () => {
  it.each(SCANNED)("%s compares no signature or secret with === or !==", (path) => {
    expect(findComparisons(readFileSync(join(ROOT, path), "utf8"))).toEqual([]);
  });

  it("finds the comparisons it is meant to find", () => {
    expect(findComparisons("if (expected === claim.signature) return;")).toHaveLength(1);
    expect(findComparisons("const same = secretAccessKey !== other;")).toHaveLength(1);
    expect(findComparisons('if (signature === undefined || kind === "presigned") x();')).toEqual([]);
  });
});
