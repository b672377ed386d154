#!/usr/bin/env node
import { runAsProcess } from "./command";
import { EXIT, runReview } from "../review/run";

/** `npm run review -- --env dev [...]`: the plan review (review/run.ts, docs/plan-review.md). */
runAsProcess("review", (args, io) => runReview(args, io), EXIT.failed);
