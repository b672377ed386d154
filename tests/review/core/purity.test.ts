import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";

const CORE = join(__dirname, "../../../review/core");

// The review's rules and report are pure functions of the plan JSON: no environment reads, no file,
// process, network or AWS access (review/run.ts, synth-plan.ts and terraform.ts do the I/O).
const FORBIDDEN = [/process\.env/, /from "node:(fs|fs\/promises|http|https|net|dgram|child_process)"/, /from "@aws-sdk\//, /\bfetch\(/, /require\(/];

describe("the plan review core", () => {
  it.each(readdirSync(CORE).filter((f) => f.endsWith(".ts")))("review/core/%s reads no environment and does no I/O", (file) => {
    const text = readFileSync(join(CORE, file), "utf8");
    for (const pattern of FORBIDDEN) expect({ file, match: pattern.exec(text)?.[0] }).toEqual({ file, match: undefined });
  });
});
