import { buildSync } from "esbuild";
import { statSync } from "node:fs";
import { join } from "node:path";

/** The container's two scripts: `node /app/main.js` runs the service, `node /app/healthcheck.js` probes it. */
export const BUNDLE_ENTRIES = { main: "main.ts", healthcheck: "healthcheck.ts" } as const;

/**
 * Bundles the authorizer into `outDir/main.js` and `outDir/healthcheck.js`: single CommonJS files for
 * Node 20 with every dependency inlined, so the image needs no node_modules. The Dockerfile runs this;
 * the tests run the same bundle. Synchronous and deterministic.
 */
export function bundleAuthorizer(outDir: string): { files: Record<keyof typeof BUNDLE_ENTRIES, { path: string; bytes: number }> } {
  buildSync({
    entryPoints: Object.fromEntries(Object.entries(BUNDLE_ENTRIES).map(([name, file]) => [name, join(__dirname, file)])),
    outdir: outDir,
    bundle: true,
    platform: "node",
    target: "node20",
    format: "cjs",
    // Packages' ES module builds first: esbuild drops what is never imported from them, which it
    // cannot do in their CommonJS builds (the bundle went from 2.8 to 1.7 MB and the process starts
    // 13 MiB smaller; docs/benchmarks.md).
    mainFields: ["module", "main"],
    legalComments: "none",
    logLevel: "error",
  });
  const file = (name: string) => {
    const path = join(outDir, `${name}.js`);
    return { path, bytes: statSync(path).size };
  };
  return { files: { main: file("main"), healthcheck: file("healthcheck") } };
}

if (require.main === module) {
  const outDir = process.argv[2];
  if (!outDir) {
    process.stderr.write("usage: tsx handlers/authorizer/bundle.ts OUT_DIR\n");
    process.exit(2);
  }
  const { files } = bundleAuthorizer(outDir);
  for (const { path, bytes } of Object.values(files)) process.stdout.write(`${path} ${bytes} bytes\n`);
}
