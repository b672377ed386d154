import { existsSync, readdirSync, readFileSync } from "node:fs";
import { basename, dirname, join } from "node:path";

const root = join(__dirname, "..", "..");
const doc = readFileSync(join(root, "docs", "security.md"), "utf8");

/** Every `tests/...` path the page names, and every `path` › "test name" pair. */
const files = [...new Set([...doc.matchAll(/`(tests\/[^`\s]+)`/g)].map((m) => m[1] as string))];
const named = [...doc.matchAll(/`(tests\/[^`\s]+)` › "((?:[^"\\]|\\.)*)"/g)].map((m) => ({ file: m[1] as string, name: m[2] as string }));

/** Whether a named path exists; a `*` in its last part must match at least one file. */
function exists(file: string): boolean {
  if (!file.includes("*")) return existsSync(join(root, file));
  const pattern = new RegExp(`^${basename(file).split("*").map((p) => p.replace(/[.+?^${}()|[\]\\]/g, "\\$&")).join(".*")}$`);
  return existsSync(join(root, dirname(file))) && readdirSync(join(root, dirname(file))).some((f) => pattern.test(f));
}

/** How a test or corpus case spells its name in its file. */
function holdsName(file: string, name: string): boolean {
  const text = readFileSync(join(root, file), "utf8");
  if (file.endsWith(".jsonl")) return text.split("\n").some((line) => line.trim() !== "" && (JSON.parse(line) as { name?: string }).name === name);
  return text.includes(JSON.stringify(name)) || text.includes(`"${name}"`);
}

describe("docs/security.md", () => {
  it("names tests for its threats, and every test file it names exists", () => {
    expect(named.length).toBeGreaterThanOrEqual(30);
    expect(files.filter((file) => !exists(file))).toEqual([]);
  });

  it("names only tests that exist in the files it names", () => {
    expect(named.filter(({ file, name }) => !exists(file) || !holdsName(file, name))).toEqual([]);
  });

  it("gives the presigned-URL limit and its guidance", () => {
    expect(doc).toMatch(/removing both from an expired presigned URL makes it work again/);
    expect(doc).toMatch(/Mint a short-lived, narrow token for every URL you share/);
  });
});
