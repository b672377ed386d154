import { readdirSync, readFileSync } from "node:fs";
import { join, relative } from "node:path";

const SRC = join(__dirname, "../../src");
const files = (dir: string): string[] =>
  readdirSync(dir, { withFileTypes: true }).flatMap((entry) => (entry.isDirectory() ? files(join(dir, entry.name)) : entry.name.endsWith(".ts") ? [join(dir, entry.name)] : []));

// The decision core must stay pure: no environment reads, no file, network or AWS access.
const FORBIDDEN = [/process\.env/, /from "node:(fs|fs\/promises|http|https|net|dgram|child_process)"/, /from "@aws-sdk\//, /\bfetch\(/, /require\(/];

describe("the authorization core", () => {
  it.each(files(SRC).map((f) => relative(SRC, f)))("src/%s reads no environment and does no I/O", (file) => {
    const text = readFileSync(join(SRC, file), "utf8");
    for (const pattern of FORBIDDEN) expect({ file, match: pattern.exec(text)?.[0] }).toEqual({ file, match: undefined });
  });
});
