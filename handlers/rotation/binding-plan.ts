import { parseBindingPrivateKey, type BindingPrivateKey } from "../../src/token/binding";
import { RotationError } from "./errors";

/**
 * The private binding-key document as rotation keeps it: `{"keys": [...]}`, newest first, each key
 * with rajee's lifecycle members (the authorizers ignore them):
 * - `created_at`: when rotation made it; a key without `published_at` is *next*, not yet handed to the issuer;
 * - `published_at`: when it became the issuer's key (the public secret);
 * - `retired_at`: when its successor was published; kept until that + lifetime + skew.
 * Times are epoch seconds. Pure: no I/O.
 */
export interface BindingKeyEntry extends BindingPrivateKey {
  readonly created_at?: number;
  readonly published_at?: number;
  readonly retired_at?: number;
}

export interface BindingDocument {
  readonly keys: readonly BindingKeyEntry[];
}

const LIFECYCLE = ["created_at", "published_at", "retired_at"] as const;

/** Parses a private binding-key document; messages name `source`, never key material. */
export function parseBindingDocument(text: string, source: string): BindingDocument {
  let document: unknown;
  try {
    document = JSON.parse(text);
  } catch {
    throw new RotationError("bad-private-key", `${source} is not JSON; it must hold {"keys": [<private binding JWK>, ...]}`);
  }
  const list = (document as { keys?: unknown } | null)?.keys;
  if (!Array.isArray(list)) throw new RotationError("bad-private-key", `${source} is not a binding-key document ({"keys": [...]})`);
  const seen = new Set<string>();
  const keys = list.map((entry, index) => {
    let key: BindingPrivateKey;
    try {
      key = parseBindingPrivateKey(entry, `${source}: keys[${index}]`);
    } catch (error) {
      throw new RotationError("bad-private-key", (error as Error).message);
    }
    if (seen.has(key.kid)) throw new RotationError("bad-private-key", `${source}: kid ${key.kid} appears twice`);
    seen.add(key.kid);
    for (const member of LIFECYCLE) {
      const value = (entry as Record<string, unknown>)[member];
      if (value !== undefined && !(Number.isInteger(value) && (value as number) >= 0)) {
        throw new RotationError("bad-private-key", `${source}: keys[${index}] (kid ${key.kid}) has ${member}=${JSON.stringify(value)}; expected epoch seconds`);
      }
    }
    return key as BindingKeyEntry;
  });
  return { keys };
}

/**
 * The key the issuer binds to: the published, unretired key published last. A document written by
 * hand (no lifecycle members) names its first key, as the manual runbook put it in the public secret.
 */
export function publishedKey(document: BindingDocument): BindingKeyEntry | undefined {
  const live = document.keys.filter((k) => k.published_at !== undefined && k.retired_at === undefined);
  if (live.length > 0) return live.reduce((a, b) => ((b.published_at as number) > (a.published_at as number) ? b : a));
  const handWritten = document.keys.every((k) => LIFECYCLE.every((m) => k[m] === undefined));
  return handWritten ? document.keys[0] : undefined;
}

export interface BindingPlanOptions {
  /** Epoch seconds. */
  readonly now: number;
  /** A replaced key stays this long after `retired_at`: the longest token lifetime plus the clock skew. */
  readonly overlapSeconds: number;
  /** A new key must have been in the private document this long before it is published. */
  readonly publishAfterSeconds: number;
}

export interface BindingPlan {
  readonly document: BindingDocument;
  /** The kid the public secret names once this document is current. */
  readonly published: string;
  readonly added: string;
  readonly retired: readonly string[];
  readonly pruned: readonly string[];
}

/**
 * The next private document, from the current one (undefined before the first rotation) and a fresh key:
 * - the fresh key is added as *next*, not published: authorizers must hold a key before tokens are bound to it;
 * - the newest *next* key that has been in the document for `publishAfterSeconds` is published, and the
 *   key it replaces gets `retired_at`; older never-published keys are dropped (nothing was bound to them);
 * - retired keys are kept until `retired_at + overlapSeconds`, so tokens bound to them still open;
 * - with no document yet (first rotation) the fresh key is published at once: the issuer binds nothing
 *   before it, so no earlier token can break, and a token bound in the first poll interval is refused
 *   until the authorizers load the document (docs/operations.md, "Binding keys").
 */
export function planBindingRotation(current: BindingDocument | undefined, fresh: BindingPrivateKey, options: BindingPlanOptions): BindingPlan {
  const { now, overlapSeconds, publishAfterSeconds } = options;
  if (!current || current.keys.length === 0) {
    const entry: BindingKeyEntry = { ...fresh, created_at: now, published_at: now };
    return { document: { keys: [entry] }, published: fresh.kid, added: fresh.kid, retired: [], pruned: [] };
  }
  const published = publishedKey(current);
  // A hand-written document: its first key is the published one, the others are kept one more overlap.
  const normalised = current.keys.map((k): BindingKeyEntry => {
    if (LIFECYCLE.some((m) => k[m] !== undefined)) return k;
    return k.kid === published?.kid ? { ...k, published_at: 0 } : { ...k, published_at: 0, retired_at: now };
  });
  const eligible = normalised
    .filter((k) => k.published_at === undefined && (k.created_at ?? now) <= now - publishAfterSeconds)
    .sort((a, b) => (b.created_at ?? 0) - (a.created_at ?? 0))[0];
  const retired: string[] = [];
  const pruned: string[] = [];
  const kept: BindingKeyEntry[] = [];
  for (const key of normalised) {
    if (eligible && key.kid === eligible.kid) {
      kept.push({ ...key, published_at: now });
    } else if (eligible && key.published_at !== undefined && key.retired_at === undefined) {
      kept.push({ ...key, retired_at: now });
      retired.push(key.kid);
    } else if (key.retired_at !== undefined && key.retired_at + overlapSeconds <= now) {
      pruned.push(key.kid);
    } else if (eligible && key.published_at === undefined && (key.created_at ?? 0) < (eligible.created_at ?? 0)) {
      pruned.push(key.kid);
    } else {
      kept.push(key);
    }
  }
  const added: BindingKeyEntry = { ...fresh, created_at: now };
  const keys = [added, ...kept].sort((a, b) => (b.created_at ?? 0) - (a.created_at ?? 0));
  const document = { keys };
  const nowPublished = publishedKey(document);
  if (!nowPublished) {
    throw new RotationError("bad-private-key", "the current binding-key document publishes no key and has none old enough to publish; put a document by hand (docs/operations.md, \"Binding keys\")");
  }
  return { document, published: nowPublished.kid, added: fresh.kid, retired, pruned };
}
