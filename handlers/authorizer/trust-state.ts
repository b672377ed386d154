import { s3Error } from "../../src/errors";
import { parseJwksText } from "../../src/keys/jwks";
import { buildKeyring, type Keyring } from "../../src/keys/keyring";
import { tokenPolicy, type TokenPolicy } from "../../src/token/policy";
import type { LocalDeny } from "./check-response";
import { parseBindingKeys, type BindingKeyring } from "./client-signature";
import type { AuthorizerConfig } from "./config";
import { denyListFingerprint, EMPTY_DENY_LIST, parseDenyList, type DenyList } from "./deny-list";
import { PolledDocument, Poller, type RefreshEvent } from "./polled-document";
import type { TextSource } from "./text-source";

/** Seconds the first load is retried at while no keys are loaded yet. */
export const INITIAL_RETRY_SECONDS = 5;

/** A polled document as it stands right after a refresh, for the refresh log line. */
export interface DocumentStatus {
  readonly fingerprint: string | undefined;
  /** Seconds since the last successful load; undefined before the first one. */
  readonly ageSeconds: number | undefined;
  readonly fresh: boolean;
  readonly loaded: boolean;
  /** `kid:state` of each key, for the keys document once loaded. */
  readonly kids?: readonly string[];
}

export interface TrustStateOptions {
  /** Token rules (issuer, audience, algorithms, skew, lifetime) and the polling, staleness and break-glass intervals. */
  readonly config: AuthorizerConfig;
  /** Where the JWKS is read from. */
  readonly keySource: TextSource;
  /** Where the deny list is read from. @default none: nothing is revoked */
  readonly denyListSource?: TextSource;
  /** Where the private binding keys are read from. @default none: bound tokens cannot be verified */
  readonly bindingKeySource?: TextSource;
  /** Milliseconds since the epoch. */
  readonly clock: () => number;
  /** Called after every refresh of either document, successful or not. */
  readonly onRefresh: (event: RefreshEvent, status: DocumentStatus) => void;
  /** Called when either document changes meaning (verified tokens must be judged again). */
  readonly onChange: () => void;
}

const NOT_READY = (what: string) =>
  s3Error("AccessDenied", `the gateway cannot verify tokens right now (${what}); retry later`);

/**
 * What the authorizer trusts right now: the signing keys and the deny list (each polled, kept
 * until stale), the token policy derived from them, and the break-glass refresh on an unknown kid.
 * It answers whether checks can be judged at all (`notReady`) and why `/readyz` fails (`problems`).
 */
export class TrustState {
  readonly keys: PolledDocument<Keyring>;
  readonly denyList: PolledDocument<DenyList> | undefined;
  readonly bindingKeys: PolledDocument<BindingKeyring> | undefined;
  private readonly config: AuthorizerConfig;
  private readonly pollers: Poller[] = [];
  private policyCache: { list: DenyList; policy: TokenPolicy } | undefined;
  private lastBreakGlassMs: number | undefined;
  private breakGlassInFlight: Promise<void> | undefined;

  constructor(options: TrustStateOptions) {
    const { config, clock, onChange } = options;
    this.config = config;
    const stalenessLimitMs = config.stalenessLimitSeconds * 1000;
    const onRefresh = (event: RefreshEvent) => options.onRefresh(event, this.status(event.document));
    this.keys = new PolledDocument<Keyring>({
      name: "keys",
      source: options.keySource,
      parse: (text, source) => buildKeyring(parseJwksText(text, source)),
      fingerprint: (keyring) => keyring.fingerprint,
      stalenessLimitMs,
      clock,
      onRefresh,
      onChange,
    });
    this.denyList =
      options.denyListSource === undefined
        ? undefined
        : new PolledDocument<DenyList>({
            name: "deny-list",
            source: options.denyListSource,
            parse: parseDenyList,
            fingerprint: denyListFingerprint,
            stalenessLimitMs,
            clock,
            onRefresh,
            onChange,
          });
    this.bindingKeys =
      options.bindingKeySource === undefined
        ? undefined
        : new PolledDocument<BindingKeyring>({
            name: "binding-keys",
            source: options.bindingKeySource,
            parse: parseBindingKeys,
            fingerprint: (keyring) => keyring.fingerprint,
            stalenessLimitMs,
            clock,
            onRefresh,
            onChange,
          });
  }

  /** Loads keys and deny list once, then polls them. Resolves after the first attempts. */
  async start(): Promise<void> {
    const intervalMs = this.config.refreshIntervalSeconds * 1000;
    const retryMs = INITIAL_RETRY_SECONDS * 1000;
    for (const document of this.documents()) this.pollers.push(new Poller(document, intervalMs, retryMs));
    await Promise.all(this.pollers.map((p) => p.start()));
  }

  /** Stops polling. */
  stop(): void {
    for (const poller of this.pollers.splice(0)) poller.stop();
  }

  /** Why tokens cannot be verified right now (a document missing or stale), for `/readyz`; empty when they can. */
  problems(nowMs: number): string[] {
    const problems: string[] = [];
    for (const document of this.documents()) {
      if (document.fresh(nowMs)) continue;
      const age = document.ageSeconds(nowMs);
      const error = document.lastError ? `; last error: ${document.lastError.message}` : "";
      problems.push(age === undefined ? `${document.name} not loaded yet${error}` : `${document.name} stale (last loaded ${Math.round(age)}s ago)${error}`);
    }
    return problems;
  }

  /** Why checks cannot be judged right now (keys or deny list missing or stale), or undefined. */
  notReady(nowMs: number): LocalDeny | undefined {
    if (!this.keys.fresh(nowMs)) {
      const loaded = this.keys.value !== undefined;
      return { reason: loaded ? "keys-stale" : "keys-not-loaded", error: NOT_READY(loaded ? "its keys are stale" : "its keys are not loaded yet") };
    }
    if (this.denyList && !this.denyList.fresh(nowMs)) {
      return { reason: "deny-list-stale", error: NOT_READY("its revocation list is stale") };
    }
    if (this.bindingKeys && !this.bindingKeys.fresh(nowMs)) {
      return { reason: "binding-keys-stale", error: NOT_READY(this.bindingKeys.value === undefined ? "its binding keys are not loaded yet" : "its binding keys are stale") };
    }
    return undefined;
  }

  /** The keyring checks are verified against; call only when `notReady` is undefined. */
  keyring(): Keyring {
    return this.keys.value as Keyring;
  }

  /** The token policy for the current deny list; rebuilt only when the list changes. */
  policy(): TokenPolicy {
    const list = this.denyList?.value ?? EMPTY_DENY_LIST;
    if (this.policyCache?.list !== list) {
      const { config } = this;
      this.policyCache = {
        list,
        policy: tokenPolicy({
          issuer: config.issuer,
          audience: config.audience,
          algorithms: config.algorithms,
          clockSkewSeconds: config.clockSkewSeconds,
          maxLifetimeSeconds: config.maxTokenLifetimeSeconds,
          deniedJtis: list.jtis,
          deniedSubjects: list.subs,
        }),
      };
    }
    return this.policyCache.policy;
  }

  /**
   * An unknown kid may be a key published after the last poll: refresh at once, at most once per
   * interval. Checks arriving while that refresh runs wait for it instead of being denied.
   */
  async breakGlass(nowMs: number): Promise<void> {
    if (this.breakGlassInFlight) return this.breakGlassInFlight;
    const intervalMs = this.config.breakGlassIntervalSeconds * 1000;
    if (this.lastBreakGlassMs !== undefined && nowMs - this.lastBreakGlassMs < intervalMs) return;
    this.lastBreakGlassMs = nowMs;
    this.breakGlassInFlight = this.keys.refresh("break-glass").then(() => {
      this.breakGlassInFlight = undefined;
    });
    return this.breakGlassInFlight;
  }

  private documents(): PolledDocument<unknown>[] {
    const documents = [this.keys, this.denyList, this.bindingKeys] as (PolledDocument<unknown> | undefined)[];
    return documents.filter((d): d is PolledDocument<unknown> => d !== undefined);
  }

  private status(name: string): DocumentStatus {
    const document = this.documents().find((d) => d.name === name);
    const keyring = name === "keys" ? this.keys.value : undefined;
    const bindingKids = name === "binding-keys" ? this.bindingKeys?.value?.kids : undefined;
    return {
      fingerprint: document?.fingerprint,
      ageSeconds: document?.ageSeconds(),
      fresh: document?.fresh() ?? false,
      loaded: document?.value !== undefined,
      ...(keyring ? { kids: [...keyring.keys.values()].map((k) => `${k.kid}:${k.state}`) } : {}),
      ...(bindingKids ? { kids: bindingKids } : {}),
    };
  }
}
