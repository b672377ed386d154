import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";

/**
 * Builds a binary FileDescriptorSet of Envoy's v3 API from the protos that `@grpc/grpc-js-xds`
 * ships (envoy-api, xds, googleapis, protoc-gen-validate), with the `buf` compiler from
 * `@bufbuild/buf`. Both are dev dependencies, so this works offline right after `npm ci`.
 * Takes about 0.3 s; nothing generated is kept in the repository.
 */

/** Proto files whose messages the rendered bootstrap uses (their imports come along). */
export const ENVOY_PROTO_FILES: readonly string[] = Object.freeze([
  "envoy/config/bootstrap/v3/bootstrap.proto",
  "envoy/extensions/filters/network/http_connection_manager/v3/http_connection_manager.proto",
  "envoy/extensions/filters/http/ext_authz/v3/ext_authz.proto",
  "envoy/extensions/filters/http/lua/v3/lua.proto",
  "envoy/extensions/filters/http/health_check/v3/health_check.proto",
  "envoy/extensions/filters/http/router/v3/router.proto",
  "envoy/extensions/access_loggers/stream/v3/stream.proto",
  "envoy/extensions/formatter/req_without_query/v3/req_without_query.proto",
  "envoy/extensions/transport_sockets/tls/v3/tls.proto",
  "envoy/extensions/upstreams/http/v3/http_protocol_options.proto",
  "envoy/extensions/resource_monitors/downstream_connections/v3/downstream_connections.proto",
  "envoy/extensions/resource_monitors/fixed_heap/v3/fixed_heap.proto",
  "envoy/config/trace/v3/opentelemetry.proto",
]);

/** Proto roots under `@grpc/grpc-js-xds/deps`. */
const ROOTS = ["envoy-api", "xds", "googleapis"] as const;

/**
 * The protoc-gen-validate copy bundled with grpc-js-xds predates `StringRules.ignore_empty`
 * (field 26), which Envoy's protos use; without it they do not compile. Restore it.
 */
const STRICT_LINE = "  optional bool strict = 25 [default = true];\n}";
const STRICT_LINE_PATCHED = "  optional bool strict = 25 [default = true];\n\n  optional bool ignore_empty = 26;\n}";

export function patchValidateProto(original: string): string {
  const text = original.replace(/\r\n/g, "\n");
  if (text.includes("ignore_empty")) return text;
  if (text.split(STRICT_LINE).length !== 2) {
    throw new Error("validate.proto: StringRules.strict not found once; the bundled protoc-gen-validate changed, update patchValidateProto");
  }
  return text.replace(STRICT_LINE, STRICT_LINE_PATCHED);
}

function depsDir(): string {
  return join(dirname(require.resolve("@grpc/grpc-js-xds/package.json")), "deps");
}

/** Compiles the descriptor set; throws with buf's message when a proto does not compile. */
export function buildEnvoyDescriptorSet(files: readonly string[] = ENVOY_PROTO_FILES): Uint8Array {
  const deps = depsDir();
  const work = mkdtempSync(join(tmpdir(), "rajee-envoy-protos-"));
  try {
    for (const root of ROOTS) symlinkSync(join(deps, root), join(work, root), "dir");
    mkdirSync(join(work, "pgv", "validate"), { recursive: true });
    const validateProto = join(deps, "protoc-gen-validate", "validate", "validate.proto");
    writeFileSync(join(work, "pgv", "validate", "validate.proto"), patchValidateProto(readFileSync(validateProto, "utf8")));
    writeFileSync(
      join(work, "buf.yaml"),
      `version: v2\nmodules:\n${[...ROOTS, "pgv"].map((r) => `  - path: ${r}\n`).join("")}`,
    );
    const out = join(work, "envoy.binpb");
    const buf = require.resolve("@bufbuild/buf/bin/buf");
    const args = ["build", "--exclude-source-info", "-o", out, ...files.flatMap((f) => ["--path", join("envoy-api", f)])];
    try {
      execFileSync(process.execPath, [buf, ...args], { cwd: work, stdio: ["ignore", "pipe", "pipe"] });
    } catch (error) {
      const stderr = (error as { stderr?: Buffer }).stderr?.toString() ?? "";
      throw new Error(`buf build of the Envoy protos failed: ${stderr.trim() || (error as Error).message}`, { cause: error });
    }
    return new Uint8Array(readFileSync(out));
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}
