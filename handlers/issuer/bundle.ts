import { join } from "node:path";
import { bundleLambda, type LambdaBundle } from "../lambda/bundle";

/** The issuer Lambda's deployment package. */
export type IssuerBundle = LambdaBundle;

/** Bundles the issuer Lambda into `<outDir>/issuer.zip` (see bundleLambda); `index.handler` is its handler. */
export function bundleIssuerLambda(outDir: string): IssuerBundle {
  return bundleLambda(join(__dirname, "index.ts"), "issuer", outDir);
}
