import { createFileRegistry, fromBinary, fromJson, type DescMessage, type FileRegistry, type JsonValue } from "@bufbuild/protobuf";
import { FileDescriptorSetSchema } from "@bufbuild/protobuf/wkt";
import { buildEnvoyDescriptorSet } from "./descriptor";
import { pgvViolations, type Violation } from "./pgv";

export type { Violation } from "./pgv";

/** Envoy's v3 API, loaded once per process from the descriptor set. */
export interface EnvoySchema {
  readonly registry: FileRegistry;
  readonly bootstrap: DescMessage;
}

export const BOOTSTRAP_TYPE = "envoy.config.bootstrap.v3.Bootstrap";

let cached: EnvoySchema | undefined;

/** Builds (first call) and returns the schema. `bytes` lets a caller pass a prebuilt descriptor set. */
export function loadEnvoySchema(bytes?: Uint8Array): EnvoySchema {
  if (bytes === undefined && cached) return cached;
  const registry = createFileRegistry(fromBinary(FileDescriptorSetSchema, bytes ?? buildEnvoyDescriptorSet()));
  const bootstrap = registry.getMessage(BOOTSTRAP_TYPE);
  if (!bootstrap) throw new Error(`descriptor set has no ${BOOTSTRAP_TYPE}`);
  const schema = { registry, bootstrap };
  if (bytes === undefined) cached = schema;
  return schema;
}

export type ValidationResult = { readonly ok: true } | { readonly ok: false; readonly violations: readonly Violation[] };

/**
 * Checks a bootstrap (as rendered, proto3 JSON) the way Envoy would on load: strict JSON parsing
 * (an unknown or misspelled field, a wrong type, an unknown enum name or an `@type` that is not in
 * the API is an error), then every `validate.rules` annotation. Never throws for a bad config.
 */
export function validateEnvoyBootstrap(config: unknown, schema: EnvoySchema = loadEnvoySchema()): ValidationResult {
  let message;
  try {
    // Round-trip through JSON text so the input is exactly what Envoy would read.
    const json = JSON.parse(JSON.stringify(config)) as JsonValue;
    message = fromJson(schema.bootstrap, json, { registry: schema.registry });
  } catch (error) {
    return { ok: false, violations: [{ path: "(json)", message: (error as Error).message }] };
  }
  const violations = pgvViolations(schema.bootstrap, message, schema.registry);
  return violations.length === 0 ? { ok: true } : { ok: false, violations };
}

/** One line per violation, for error messages and the CLI. */
export function formatViolations(violations: readonly Violation[]): string {
  return violations.map((v) => `${v.path || "(root)"}: ${v.message}`).join("\n");
}
