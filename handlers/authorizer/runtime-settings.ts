import { GetParameterCommand, SSMClient } from "@aws-sdk/client-ssm";
import type { Logger } from "pino";
import {
  parseRuntimeDocument,
  runtimeFingerprint,
  SAMPLING_OFF,
  type RuntimeSettings,
} from "../../src/runtime-settings/runtime-document";
import type { AuthorizerConfig } from "./config";
import { PolledDocument, Poller, type RefreshEvent } from "./polled-document";
import type { TextSource } from "./text-source";

/** Longest wait for one SSM call; a hung call must not hold a refresh forever. */
export const PARAMETER_READ_TIMEOUT_MS = 5000;
/** Retry interval while the parameter has never loaded. */
const FIRST_LOAD_RETRY_MS = 5000;

/**
 * The value of an SSM String parameter. The client uses the SDK's region (`AWS_REGION`, which the
 * task's environment sets) and default credential chain (the task role, allowed
 * `ssm:GetParameter` on this one parameter).
 */
export function parameterSource(name: string, client: SSMClient = new SSMClient({})): TextSource {
  return {
    description: `parameter ${name}`,
    async read() {
      let output;
      try {
        output = await client.send(new GetParameterCommand({ Name: name }), { abortSignal: AbortSignal.timeout(PARAMETER_READ_TIMEOUT_MS) });
      } catch (error) {
        throw new Error(`parameter ${name}: GetParameter failed (${(error as Error).name}: ${(error as Error).message})`, { cause: error });
      }
      const value = output.Parameter?.Value;
      if (typeof value !== "string") throw new Error(`parameter ${name}: has no value`);
      return value;
    },
  };
}

/** The settings the deployment's environment variables give, before any runtime document. */
export function baselineSettings(config: AuthorizerConfig): RuntimeSettings {
  return Object.freeze({ logLevel: config.logLevel, decisionSampling: SAMPLING_OFF, rateLimitPerSubject: config.rateLimitPerSecond });
}

export interface RuntimeSettingsOptions {
  readonly source: TextSource;
  readonly baseline: RuntimeSettings;
  /** Between polls, ms (the key refresh interval). */
  readonly intervalMs: number;
  readonly logger: Logger;
  /** Called with the settings in force after every successful read (and once at construction with the baseline). */
  readonly apply: (settings: RuntimeSettings) => void;
  /** @default Date.now */
  readonly clock?: () => number;
}

/**
 * Settings operators change without a redeploy: the runtime document (src/runtime-settings/),
 * polled like the keys (PolledDocument). A document that is not JSON is logged and changes nothing;
 * a field with a bad value is logged and keeps its previous value while the other fields apply.
 * Unlike the keys, the document never makes the authorizer unready: the last good settings (or
 * the baseline) serve for as long as reads fail.
 */
export class RuntimeSettingsPoller {
  private readonly document: PolledDocument<RuntimeSettings>;
  private readonly poller: Poller;
  private settings: RuntimeSettings;

  constructor(private readonly options: RuntimeSettingsOptions) {
    this.settings = options.baseline;
    const clock = options.clock ?? Date.now;
    this.document = new PolledDocument<RuntimeSettings>({
      name: "runtime-settings",
      source: options.source,
      parse: (text, source) => {
        const { settings, problems } = parseRuntimeDocument(text, this.settings, options.baseline);
        for (const { field, problem } of problems) {
          options.logger.warn({ event: "runtime_setting_ignored", source, field, problem }, `runtime setting ${field} ignored: ${problem}`);
        }
        return settings;
      },
      fingerprint: runtimeFingerprint,
      stalenessLimitMs: Number.POSITIVE_INFINITY,
      clock,
      onRefresh: (event) => this.refreshed(event),
    });
    this.poller = new Poller(this.document as PolledDocument<unknown>, options.intervalMs, Math.min(FIRST_LOAD_RETRY_MS, options.intervalMs));
    options.apply(this.settings);
  }

  /** The settings in force. */
  get current(): RuntimeSettings {
    return this.settings;
  }

  /** Reads the document once now, then every interval. Resolves after the first read. */
  async start(): Promise<void> {
    await this.poller.start();
  }

  stop(): void {
    this.poller.stop();
  }

  /** Reads the document now (tests; the poller calls the same). */
  async refresh(): Promise<void> {
    await this.document.refresh("interval");
  }

  private refreshed(event: RefreshEvent): void {
    const { logger } = this.options;
    if (!event.outcome.ok) {
      logger.error({ event: "refresh", document: event.document, trigger: event.trigger, result: "error", error: event.outcome.error.message }, "runtime settings refresh failed; keeping the settings in force");
      return;
    }
    const next = this.document.value as RuntimeSettings;
    const changed = runtimeFingerprint(next) !== runtimeFingerprint(this.settings);
    this.settings = next;
    // Logged before the new settings apply, so the change is recorded at the level in force.
    if (changed || event.trigger === "start") {
      logger.info({
        event: "runtime_settings",
        trigger: event.trigger,
        changed,
        log_level: next.logLevel,
        sampling_ratio: next.decisionSampling.ratio,
        sampling_subject: next.decisionSampling.subject ?? null,
        rate_limit_per_subject: next.rateLimitPerSubject,
      }, "runtime settings in force");
    }
    if (changed) this.options.apply(next);
  }
}
