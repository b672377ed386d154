/**
 * A compare-and-swap on the AWSCURRENT version of a Secrets Manager secret, for edits that must not
 * lose a concurrent one (`rajee token revoke`). Secrets Manager has no conditional PutSecretValue,
 * but UpdateSecretVersionStage is one: moving AWSCURRENT with `RemoveFromVersionId` fails when the
 * label is attached to another version ("If the label is attached and you either do not specify
 * this parameter, or the version ID does not match, then the operation fails",
 * https://docs.aws.amazon.com/secretsmanager/latest/apireference/API_UpdateSecretVersionStage.html).
 *
 * One attempt: read AWSCURRENT (version X), compute the new document, write it as a new version Y
 * under this run's own pending label (PutSecretValue with VersionStages, so AWSCURRENT does not
 * move), then move AWSCURRENT from X to Y. Secrets Manager moves AWSPREVIOUS to X on that move (same
 * page), so AWSPREVIOUS stays "the version before the last write". When the move is refused because
 * another write landed first, the run waits (bounded exponential backoff with full jitter) and
 * tries again from a fresh read. Each refusal means another writer's move succeeded in between, so
 * when every writer swaps this way, none of N writers at once needs more than N attempts. A plain
 * PutSecretValue (no stages) still moves AWSCURRENT unconditionally: this run then retries on top of
 * it, but that writer does not check for this one. The store is injected; the loop holds no AWS code.
 */
import { stalePendingLabels } from "./pending-label";

/** One version of the document. */
export interface StoredVersion {
  readonly versionId: string;
  readonly text: string;
}

/** What a conditional move of AWSCURRENT did. */
export type PromoteOutcome = { readonly moved: true } | { readonly moved: false; readonly reason: string };

/** The calls the swap needs (bin/commands/token-revoke-secret.ts implements them on Secrets Manager). */
export interface VersionStore<V extends StoredVersion = StoredVersion> {
  /** The version AWSCURRENT is on. */
  current(): Promise<V>;
  /** Writes `text` as a new version carrying `label` (moved there from any other version), AWSCURRENT staying where it is; resolves to the new version's id. */
  stage(text: string, label: string): Promise<string>;
  /** Moves AWSCURRENT from `from` to `to`; `moved: false` when the store refused the move (as it does when AWSCURRENT is no longer on `from`). Throws on any other failure. */
  promote(from: string, to: string): Promise<PromoteOutcome>;
  /** Removes `label` from version `versionId`. */
  unlabel(label: string, versionId: string): Promise<void>;
  /** Each version's labels. */
  labels(): Promise<Readonly<Record<string, readonly string[]>>>;
}

/** What `change` makes of a version: the document to write (undefined: nothing to write) and what to report. */
export interface Change<T> {
  readonly document: string | undefined;
  readonly result: T;
}

/** Told before each retry. */
export interface Retry {
  /** The attempt that was refused, from 1. */
  readonly attempt: number;
  readonly maxAttempts: number;
  /** The version that attempt read, which is no longer AWSCURRENT. */
  readonly read: string;
  /** The wait before the next attempt. */
  readonly delayMs: number;
}

export interface SwapOptions {
  /** Names the secret in errors, e.g. `secret arn:aws:secretsmanager:...`. */
  readonly target: string;
  /** This run's pending label (src/revocation/pending-label.ts). */
  readonly label: string;
  /** Attempts before giving up. @default DEFAULT_MAX_ATTEMPTS */
  readonly maxAttempts?: number;
  /** Waits between attempts. @default a setTimeout promise */
  readonly sleep?: (ms: number) => Promise<void>;
  /** A number in [0, 1), for the jitter. @default Math.random */
  readonly random?: () => number;
  /** The time, ms since the epoch, for telling stale pending labels. @default Date.now */
  readonly now?: () => number;
  /** Told before each retry. @default nothing */
  readonly onRetry?: (retry: Retry) => void;
  /** Told of cleanup that failed; the outcome of the swap does not depend on it. @default nothing */
  readonly onWarning?: (message: string) => void;
}

/** Attempts before a swap gives up: enough for 8 writers at once, far more than operators revoking together. */
export const DEFAULT_MAX_ATTEMPTS = 8;

/** First backoff ceiling, doubled on each refusal. */
export const RETRY_BASE_MS = 100;

/** Highest backoff ceiling: DEFAULT_MAX_ATTEMPTS attempts wait at most about 7 s in all. */
export const RETRY_CAP_MS = 2000;

/**
 * The wait after refused attempt `attempt` (from 1): "full jitter", a uniform draw below an
 * exponentially growing ceiling, so writers that collided spread out instead of colliding again
 * (https://aws.amazon.com/blogs/architecture/exponential-backoff-and-jitter/).
 */
export function retryDelayMs(attempt: number, random: () => number): number {
  return Math.floor(random() * Math.min(RETRY_CAP_MS, RETRY_BASE_MS * 2 ** (attempt - 1)));
}

/** The swap did not write; `changed` says whether AWSCURRENT is known to be untouched by this run. */
export class SwapError extends Error {
  override readonly name = "SwapError";
  constructor(
    message: string,
    readonly changed: "no" | "unknown",
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}

/** The outcome of {@link swapDocument}. */
export type SwapResult<T, V extends StoredVersion> =
  /** Nothing to write: `basis` (AWSCURRENT when read) already is what was asked. */
  | { readonly written: false; readonly basis: V; readonly result: T }
  /** AWSCURRENT moved from `basis` to `versionId`, which holds `result`'s document. */
  | { readonly written: true; readonly basis: V; readonly versionId: string; readonly result: T; readonly attempts: number };

const wait = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
const message = (error: unknown) => (error instanceof Error ? error.message : String(error));

/**
 * Applies `change` to the AWSCURRENT version of `store` and makes the result current, as one
 * compare-and-swap. `change` is called once per attempt, on the version that attempt read, so what
 * it reports describes the version actually replaced. Throws a SwapError when every attempt was
 * refused, or when the move was refused with AWSCURRENT still on the version read (not a race).
 */
export async function swapDocument<T, V extends StoredVersion>(store: VersionStore<V>, change: (current: V) => Change<T>, options: SwapOptions): Promise<SwapResult<T, V>> {
  const maxAttempts = options.maxAttempts ?? DEFAULT_MAX_ATTEMPTS;
  const sleep = options.sleep ?? wait;
  const random = options.random ?? Math.random;
  const warn = options.onWarning ?? (() => {});
  let staged: string | undefined;
  let won = false;
  let basis = await store.current();
  try {
    for (let attempt = 1; ; attempt++) {
      const next = change(basis);
      if (next.document === undefined) return { written: false, basis, result: next.result };
      if (attempt === 1) await removeStaleLabels(store, (options.now ?? Date.now)(), warn);
      staged = await store.stage(next.document, options.label);
      let outcome: PromoteOutcome;
      try {
        outcome = await store.promote(basis.versionId, staged);
      } catch (error) {
        won = await landed(store, basis.versionId, staged, options.target, error);
        return { written: true, basis, versionId: staged, result: next.result, attempts: attempt };
      }
      if (outcome.moved) {
        won = true;
        return { written: true, basis, versionId: staged, result: next.result, attempts: attempt };
      }
      const last = attempt >= maxAttempts;
      if (!last) {
        const delayMs = retryDelayMs(attempt, random);
        options.onRetry?.({ attempt, maxAttempts, read: basis.versionId, delayMs });
        await sleep(delayMs);
      }
      const read = await store.current();
      // A retried request whose first try moved the label is refused like a race: the move is ours.
      if (read.versionId === staged) {
        won = true;
        return { written: true, basis, versionId: staged, result: next.result, attempts: attempt };
      }
      if (read.versionId === basis.versionId) {
        throw new SwapError(`${options.target}: moving AWSCURRENT from version ${basis.versionId} was refused (${outcome.reason}) while it is still current; nothing was changed`, "no");
      }
      if (last) {
        throw new SwapError(
          `${options.target}: other writes moved AWSCURRENT between this command's read and its write ${maxAttempts} times in a row; nothing was changed (version ${read.versionId} is current). Run it again`,
          "no",
        );
      }
      basis = read;
    }
  } finally {
    if (staged !== undefined) {
      await store.unlabel(options.label, staged).catch((error: unknown) =>
        warn(`could not remove the label ${options.label} from version ${staged} (${message(error)}); ${won ? "the write stands; " : ""}a later run removes it once it is an hour old`),
      );
    }
  }
}

/**
 * After a move that failed without an answer (a timeout, a refused permission), whether it landed:
 * true when AWSCURRENT is on `staged`; otherwise throws a SwapError saying what is known.
 */
async function landed(store: VersionStore, read: string, staged: string, target: string, cause: unknown): Promise<true> {
  let now: string;
  try {
    now = (await store.current()).versionId;
  } catch {
    throw new SwapError(`${target}: moving AWSCURRENT to version ${staged} failed (${message(cause)}), and whether it moved could not be read; check with 'rajee token revoked'`, "unknown", { cause });
  }
  if (now === staged) return true;
  if (now === read) throw new SwapError(`${target}: moving AWSCURRENT to version ${staged} failed (${message(cause)}); nothing was changed, version ${read} is still current`, "no", { cause });
  throw new SwapError(`${target}: moving AWSCURRENT to version ${staged} failed (${message(cause)}), and version ${now} is current now; check with 'rajee token revoked'`, "unknown", { cause });
}

/** Removes the pending labels of runs that died before cleaning up; a failure only warns. */
async function removeStaleLabels(store: VersionStore, nowMs: number, warn: (message: string) => void): Promise<void> {
  try {
    for (const stale of stalePendingLabels(await store.labels(), nowMs)) await store.unlabel(stale.label, stale.versionId);
  } catch (error) {
    warn(`could not remove the pending labels of earlier runs (${message(error)}); this write goes ahead`);
  }
}
