import { createHash } from "node:crypto";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { buildSync } from "esbuild";
import { writeZip } from "./zip";

/** The rotation Lambda's deployment package. */
export interface RotationBundle {
  /** The zip, `<outDir>/rotation.zip`; its single file `index.js` exports `handler`. */
  readonly zipPath: string;
  /** Base64 SHA-256 of the zip, for the function's `source_code_hash`. */
  readonly sha256Base64: string;
  /** Size of the zip in bytes. */
  readonly bytes: number;
}

/** Node version the bundle is compiled for; the function's runtime must be this or newer. */
export const BUNDLE_TARGET = "node20";

/** The bundled JavaScript of the rotation Lambda (index.js), minified, every dependency included. */
export function buildRotationScript(): Buffer {
  const result = buildSync({
    entryPoints: [join(__dirname, "index.ts")],
    absWorkingDir: join(__dirname, "..", ".."),
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
  if (!output || result.outputFiles.length !== 1) throw new Error(`rotation bundle: esbuild produced ${result.outputFiles.length} files, expected 1`);
  return Buffer.from(output.contents);
}

/**
 * Bundles the rotation Lambda with esbuild (the AWS SDK included, so the code does not change with
 * the runtime's copy) into a deterministic zip in `outDir`. Synchronous so a CDKTF app can call it
 * while constructing stacks.
 */
export function bundleRotationLambda(outDir: string): RotationBundle {
  const zip = writeZip([{ name: "index.js", data: buildRotationScript() }]);
  mkdirSync(outDir, { recursive: true });
  const zipPath = join(outDir, "rotation.zip");
  writeFileSync(zipPath, zip);
  return { zipPath, sha256Base64: createHash("sha256").update(zip).digest("base64"), bytes: zip.length };
}
