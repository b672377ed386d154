#!/usr/bin/env node
import { runReview } from "./review/run";

/** `npm run review -- --env dev [...]`: the plan review (bin/review/run.ts, docs/plan-review.md). */
runReview(process.argv.slice(2), {
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
  env: process.env,
}).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(`review: ${String(error)}\n`);
    process.exitCode = 3;
  },
);
