/** One resource a plan would change, with the top-level attributes whose values differ. */
export interface ResourceChange {
  readonly address: string;
  readonly actions: readonly string[];
  readonly attributes: readonly string[];
}

interface PlanDocument {
  readonly resource_changes?: ReadonlyArray<{
    readonly address: string;
    readonly change: { readonly actions: readonly string[]; readonly before?: unknown; readonly after?: unknown };
  }>;
}

/** The resources of a `terraform show -json` plan that are not no-op/read, and which attributes change. */
export function planChanges(plan: PlanDocument): ResourceChange[] {
  return (plan.resource_changes ?? [])
    .filter((r) => !r.change.actions.every((a) => a === "no-op" || a === "read"))
    .map((r) => ({ address: r.address, actions: [...r.change.actions], attributes: changedAttributes(r.change.before, r.change.after) }));
}

function changedAttributes(before: unknown, after: unknown): string[] {
  const b = (before ?? {}) as Record<string, unknown>;
  const a = (after ?? {}) as Record<string, unknown>;
  return [...new Set([...Object.keys(b), ...Object.keys(a)])].filter((k) => JSON.stringify(b[k]) !== JSON.stringify(a[k])).sort();
}
