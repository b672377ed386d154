/**
 * Small `terraform show -json` documents for the pure review tests. Each resource gives its
 * known `after` values; `config` are the configuration's expressions (what CDKTF writes), used for
 * attributes listed in `unknown` (unknown until apply).
 */
export interface FixtureResource {
  readonly address: string;
  readonly after?: Record<string, unknown> | null;
  readonly before?: Record<string, unknown> | null;
  readonly actions?: string[];
  /** Attribute -> expression (`{ constant_value }` or `{ references }`), for `unknown` attributes. */
  readonly config?: Record<string, unknown>;
  /** Attributes unknown until apply. */
  readonly unknown?: Record<string, unknown>;
  readonly mode?: "managed" | "data";
  readonly replacePaths?: string[][];
}

const typeOf = (address: string) => address.replace(/^(module\.[^.]+\.)*/, "").split(".")[0]!;

/** A plan document holding `resources` (all created unless `actions` says otherwise). */
export function planDocument(resources: readonly FixtureResource[]): Record<string, unknown> {
  return {
    format_version: "1.2",
    terraform_version: "1.11.4",
    resource_changes: resources.map((r) => ({
      address: r.address,
      mode: r.mode ?? "managed",
      type: typeOf(r.address),
      name: r.address.split(".").pop(),
      change: {
        actions: r.actions ?? ["create"],
        before: r.before ?? null,
        after: r.after === undefined ? {} : r.after,
        after_unknown: r.unknown ?? {},
        ...(r.replacePaths ? { replace_paths: r.replacePaths } : {}),
      },
    })),
    configuration: {
      root_module: {
        resources: resources
          .filter((r) => r.config)
          .map((r) => ({ address: r.address.replace(/\[[^\]]*\]/g, ""), mode: "managed", type: typeOf(r.address), expressions: r.config })),
      },
    },
  };
}

/** A reference expression as CDKTF writes it: the interpolated string plus its references. */
export function ref(address: string, attribute = "id"): { constant_value: string; references: string[] } {
  return { constant_value: `\${${address}.${attribute}}`, references: [`${address}.${attribute}`, address] };
}

/** An IAM policy document string. */
export function policy(...statements: Record<string, unknown>[]): string {
  return JSON.stringify({ Version: "2012-10-17", Statement: statements });
}
