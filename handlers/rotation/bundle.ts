import { join } from "node:path";
import { bundleLambda, type LambdaBundle } from "../lambda/bundle";

/** The rotation Lambda's deployment package. */
export type RotationBundle = LambdaBundle;

/** Bundles the rotation Lambda into `<outDir>/rotation.zip` (see bundleLambda). */
export function bundleRotationLambda(outDir: string): RotationBundle {
  return bundleLambda(join(__dirname, "index.ts"), "rotation", outDir);
}
