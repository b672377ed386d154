import { TerraformStack, Testing } from "cdktf";
import type { Construct } from "constructs";
import type { PolicyStatement } from "../../modules/shared/policy";
import { withTestApp } from "../support/temp";

/** Synthesized Terraform JSON of a scope. */
export interface Synthesized {
  readonly resource?: Record<string, Record<string, Record<string, unknown>>>;
  readonly [key: string]: unknown;
}

/** Builds constructs in a fresh stack and returns its Terraform JSON (`Testing.synthScope`, without its leftover outdir). */
export function synth(build: (scope: Construct) => void): Synthesized {
  return withTestApp((app) => {
    const stack = new TerraformStack(app, "stack");
    build(stack);
    return JSON.parse(Testing.synth(stack)) as Synthesized;
  });
}

/** All resources of `type`, keyed by logical id. */
export function resourcesOf(s: Synthesized, type: string): Record<string, Record<string, unknown>> {
  return s.resource?.[type] ?? {};
}

/** The one resource of `type`; fails when there are none or several. */
export function onlyResource(s: Synthesized, type: string): Record<string, unknown> {
  const all = Object.values(resourcesOf(s, type));
  if (all.length !== 1) throw new Error(`expected exactly one ${type}, found ${all.length}`);
  return all[0] as Record<string, unknown>;
}

/** The one resource of `type` whose logical id contains `idPart`. */
export function resourceNamed(s: Synthesized, type: string, idPart: string): Record<string, unknown> {
  const matches = Object.entries(resourcesOf(s, type)).filter(([id]) => id.includes(idPart));
  if (matches.length !== 1) throw new Error(`expected one ${type} with id containing ${idPart}, found ${matches.length}`);
  return matches[0]![1];
}

/** The statements of a policy JSON string. */
export function statementsOf(policyJson: unknown): PolicyStatement[] {
  return (JSON.parse(policyJson as string) as { Statement: PolicyStatement[] }).Statement;
}

/** A well-formed rotation bundle for module tests (the code itself is never executed here). */
export const FAKE_BUNDLE = { zipPath: __filename, sha256Base64: `${"A".repeat(43)}=` };

/** The Terraform reference `${<type>.<id>.<attribute>}` of the one resource whose id contains `idPart`. */
export function refOf(s: Synthesized, type: string, idPart: string, attribute: string): string {
  const ids = Object.keys(resourcesOf(s, type)).filter((id) => id.includes(idPart));
  if (ids.length !== 1) throw new Error(`expected one ${type} with id containing ${idPart}, found ${ids.length}`);
  return `\${${type}.${ids[0]}.${attribute}}`;
}
