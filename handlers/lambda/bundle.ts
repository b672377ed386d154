import { createHash } from "node:crypto";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { buildSync } from "esbuild";
import { writeZip } from "./zip";

/** A Lambda deployment package made by {@link bundleLambda}. */
export interface LambdaBundle {
  /** The zip, `<outDir>/<name>.zip`; its single file `index.js` exports `handler`. */
  readonly zipPath: string;
  /** Base64 SHA-256 of the zip, for the function's `source_code_hash`. */
  readonly sha256Base64: string;
  /** Size of the zip in bytes. */
  readonly bytes: number;
}

/** Node version the bundles are compiled for; the functions' runtime must be this or newer. */
export const BUNDLE_TARGET = "node20";

/** The repository root: esbuild resolves packages from here. */
const ROOT = join(__dirname, "..", "..");

/** The bundled JavaScript of one Lambda entry point (index.js), minified, every dependency included. */
function buildScript(entry: string, name: string): Buffer {
  const result = buildSync({
    entryPoints: [entry],
    absWorkingDir: ROOT,
    bundle: true,
    platform: "node",
    target: BUNDLE_TARGET,
    format: "cjs",
    minify: true,
    sourcemap: false,
    legalComments: "eof",
    write: false,
    logLevel: "silent",
  });
  const [output] = result.outputFiles;
  if (!output || result.outputFiles.length !== 1) throw new Error(`${name} bundle: esbuild produced ${result.outputFiles.length} files, expected 1`);
  return Buffer.from(output.contents);
}

/**
 * Bundles the Lambda whose entry point is `entry` (a `.ts` file exporting `handler`) with esbuild (the
 * AWS SDK included, so the code does not change with the runtime's copy) into a deterministic zip,
 * `<outDir>/<name>.zip`. Synchronous so a CDKTF app can call it while constructing stacks.
 */
export function bundleLambda(entry: string, name: string, outDir: string): LambdaBundle {
  const zip = writeZip([{ name: "index.js", data: buildScript(entry, name) }]);
  mkdirSync(outDir, { recursive: true });
  const zipPath = join(outDir, `${name}.zip`);
  writeFileSync(zipPath, zip);
  return { zipPath, sha256Base64: createHash("sha256").update(zip).digest("base64"), bytes: zip.length };
}
