/**
 * The staging label `rajee token revoke` writes its new deny-list version under before moving
 * AWSCURRENT to it (src/revocation/compare-and-swap.ts): `RAJEE-PENDING-<ms since the epoch>-<id>`.
 * The time in the label lets a later run tell the label of a command that died between its write
 * and its move (a labelled version is never removed by Secrets Manager) from one still running. Pure.
 */

/** What every pending label starts with. */
export const PENDING_LABEL_PREFIX = "RAJEE-PENDING-";

/**
 * How old a pending label must be before another run removes it. A run holds its label for the
 * seconds its few calls take; an hour leaves room for clocks that disagree between operators.
 */
export const STALE_PENDING_LABEL_MS = 60 * 60 * 1000;

const PATTERN = new RegExp(`^${PENDING_LABEL_PREFIX}(\\d{1,16})-[0-9a-f-]{8,36}$`);

/** The label for a run started at `nowMs`, made unique by `id` (a UUID or its hex prefix). */
export function pendingLabel(nowMs: number, id: string): string {
  const label = `${PENDING_LABEL_PREFIX}${Math.floor(nowMs)}-${id}`;
  if (!PATTERN.test(label)) throw new Error(`pending label ${JSON.stringify(label)} is malformed: the time must be a whole number of ms and the id hexadecimal`);
  return label;
}

/** When `label` was made (ms since the epoch), or undefined when it is not a pending label. */
export function pendingLabelTime(label: string): number | undefined {
  const match = PATTERN.exec(label);
  return match ? Number(match[1]) : undefined;
}

/** A label to remove from a version. */
export interface StaleLabel {
  readonly label: string;
  readonly versionId: string;
}

/**
 * The pending labels in `stages` (version id to its labels, as DescribeSecret's VersionIdsToStages)
 * made more than `maxAgeMs` before `nowMs`. Only pending labels are named: other labels, AWSCURRENT
 * included, stay where they are.
 */
export function stalePendingLabels(stages: Readonly<Record<string, readonly string[]>>, nowMs: number, maxAgeMs = STALE_PENDING_LABEL_MS): StaleLabel[] {
  return Object.entries(stages).flatMap(([versionId, labels]) =>
    labels.flatMap((label) => {
      const made = pendingLabelTime(label);
      return made !== undefined && nowMs - made > maxAgeMs ? [{ label, versionId }] : [];
    }),
  );
}
