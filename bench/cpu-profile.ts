import { readFileSync } from "node:fs";

/** The parts of a V8 `.cpuprofile` (written by `node --cpu-prof`) the summary reads. */
interface CpuProfile {
  readonly nodes: readonly { id: number; callFrame: { functionName: string; url: string; lineNumber: number }; hitCount?: number }[];
  readonly samples: readonly number[];
  readonly timeDeltas: readonly number[];
}

/** One function's share of the samples it was on top of the stack for (self time). */
export interface SelfTime {
  readonly name: string;
  /** Where: the file's base name and line, or `(native)`. */
  readonly where: string;
  readonly percent: number;
}

/** Where the busy samples of a profile went (idle samples left out): the top functions by self time, and totals by area. */
export interface ProfileSummary {
  readonly top: SelfTime[];
  /** Percent of busy samples by area: `gc`, `program` (V8 and native work outside JS), `native` (bindings: socket and file writes, hashing), `node` (node: internals), `app` (the bundle: the authorizer and what it inlines). */
  readonly areas: Record<string, number>;
}

/** The area a frame is counted in. The bundle inlines dependencies, so their paths mark them. */
function areaOf(functionName: string, url: string): string {
  if (functionName === "(garbage collector)") return "gc";
  if (functionName === "(program)") return "program";
  if (url.startsWith("node:")) return "node";
  if (/pino|sonic-boom|fast-redact|quick-format/.test(url)) return "pino";
  if (/prom-client|tdigest|bintrees/.test(url)) return "prom-client";
  if (/jose/.test(url)) return "jose";
  if (url === "") return "native";
  return "app";
}

/**
 * Summarises a `.cpuprofile`. Frames from a bundle all carry the bundle's URL, so for the bundled
 * authorizer `app` includes inlined dependencies; profile the unbundled modules to split them.
 */
export function summarizeProfile(path: string, topCount = 15): ProfileSummary {
  const profile = JSON.parse(readFileSync(path, "utf8")) as CpuProfile;
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const selfUs = new Map<number, number>();
  let total = 0;
  profile.samples.forEach((id, index) => {
    const delta = profile.timeDeltas[index] ?? 0;
    if (byId.get(id)?.callFrame.functionName === "(idle)") return;
    selfUs.set(id, (selfUs.get(id) ?? 0) + delta);
    total += delta;
  });
  const byFunction = new Map<string, { name: string; where: string; us: number }>();
  const areas: Record<string, number> = {};
  for (const [id, us] of selfUs) {
    const frame = byId.get(id)?.callFrame;
    if (!frame) continue;
    const file = frame.url.split("/").pop() ?? "";
    const where = file === "" ? "(native)" : `${file}:${frame.lineNumber + 1}`;
    const name = frame.functionName || "(anonymous)";
    const key = `${name}@${where}`;
    const entry = byFunction.get(key) ?? { name, where, us: 0 };
    entry.us += us;
    byFunction.set(key, entry);
    const area = areaOf(frame.functionName, frame.url);
    areas[area] = (areas[area] ?? 0) + us;
  }
  const percent = (us: number) => (total > 0 ? Math.round((1000 * us) / total) / 10 : 0);
  return {
    top: [...byFunction.values()]
      .sort((a, b) => b.us - a.us)
      .slice(0, topCount)
      .map((entry) => ({ name: entry.name, where: entry.where, percent: percent(entry.us) })),
    areas: Object.fromEntries(Object.entries(areas).sort((a, b) => b[1] - a[1]).map(([area, us]) => [area, percent(us)])),
  };
}

if (require.main === module) {
  const path = process.argv[2];
  if (!path) {
    process.stderr.write("usage: tsx bench/cpu-profile.ts FILE.cpuprofile\n");
    process.exit(2);
  }
  process.stdout.write(`${JSON.stringify(summarizeProfile(path, 30), null, 2)}\n`);
}
