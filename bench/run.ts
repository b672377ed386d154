import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { authorizerBenchmark } from "./authorizer";
import { deleteObjectsBenchmark } from "./delete-objects";

/** One benchmark: runs, and returns its section of docs/benchmarks.md (markdown). */
export interface Benchmark {
  readonly name: string;
  run(): Promise<string>;
}

/** Every benchmark `npm run bench` knows. Add one by adding its module here. */
const BENCHMARKS: readonly Benchmark[] = [authorizerBenchmark, deleteObjectsBenchmark];

const RESULTS = join(__dirname, "..", "docs", "benchmarks.md");
const HEADER = `# Benchmarks

Produced by \`npm run bench\` (all benchmarks) or \`npm run bench -- <name>\` (one). Each section is
rewritten by its benchmark; numbers are from the machine named in the section, so compare ratios
against the baseline measured in the same run, not absolute figures across machines.
`;

/** Replaces (or appends) the benchmark's marked section, leaving the others as they are. */
function writeSection(name: string, body: string): void {
  let text: string;
  try {
    text = readFileSync(RESULTS, "utf8");
  } catch {
    text = HEADER;
  }
  const begin = `<!-- bench:${name} -->`;
  const end = `<!-- /bench:${name} -->`;
  const section = `${begin}\n${body.trim()}\n${end}`;
  const start = text.indexOf(begin);
  const stop = text.indexOf(end);
  text = start >= 0 && stop > start ? text.slice(0, start) + section + text.slice(stop + end.length) : `${text.trimEnd()}\n\n${section}\n`;
  writeFileSync(RESULTS, text);
}

async function main(): Promise<number> {
  const wanted = process.argv.slice(2);
  const unknown = wanted.filter((w) => !BENCHMARKS.some((b) => b.name === w));
  if (unknown.length > 0) {
    process.stderr.write(`bench: unknown benchmark(s) ${unknown.join(", ")}; known: ${BENCHMARKS.map((b) => b.name).join(", ")}\n`);
    return 2;
  }
  for (const benchmark of BENCHMARKS.filter((b) => wanted.length === 0 || wanted.includes(b.name))) {
    process.stdout.write(`== ${benchmark.name}\n`);
    const section = await benchmark.run();
    writeSection(benchmark.name, section);
    process.stdout.write(`${section}\n`);
  }
  process.stdout.write(`results written to ${RESULTS}\n`);
  return 0;
}

if (require.main === module) {
  main().then(
    (code) => process.exit(code),
    (error: unknown) => {
      process.stderr.write(`bench: ${(error as Error).stack ?? String(error)}\n`);
      process.exit(1);
    },
  );
}
