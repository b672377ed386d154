import type { Logger } from "pino";
import { RotationError } from "./errors";
import { checkStages, parseRotationEvent } from "./event";
import { createSecret, finishSecret, setSecret, testSecret, type StepDeps, type StepOutcome } from "./steps";
import { createBindingSecret, finishBindingSecret, setBindingSecret, testBindingSecret, type BindingStepDeps } from "./binding-steps";
import { metricLine } from "./log";
import type { SecretDescription, RotationEvent } from "./event";
import type { SecretStore } from "./store";

interface Shell {
  readonly logger: Logger;
  /** Writes one metric line (EMF) to the log stream. */
  readonly emitMetric: (line: string) => void;
}

export interface RotationHandlerDeps extends StepDeps, Shell {}

/** The binding-key rotation's handler dependencies: the same shell, the binding keys' settings. */
export interface BindingRotationHandlerDeps extends BindingStepDeps, Shell {}

/** The four steps of one kind of key. */
interface StepSet {
  createSecret(event: RotationEvent): Promise<StepOutcome>;
  setSecret(event: RotationEvent): Promise<StepOutcome>;
  testSecret(event: RotationEvent): Promise<StepOutcome>;
  finishSecret(event: RotationEvent, description: SecretDescription): Promise<StepOutcome>;
}

interface RunnerDeps extends Shell {
  readonly config: { readonly privateKeySecretArn: string };
  readonly store: SecretStore;
  readonly now?: () => Date;
}

/** The event's Step and version as far as they can be read, for the failure log line of a bad event. */
function describeRaw(raw: unknown): { step: string; version?: string } {
  const event = typeof raw === "object" && raw !== null ? (raw as Record<string, unknown>) : {};
  const step = typeof event.Step === "string" ? event.Step.slice(0, 40) : "unknown";
  const version = typeof event.ClientRequestToken === "string" ? event.ClientRequestToken.slice(0, 64) : undefined;
  return version === undefined ? { step } : { step, version };
}

/**
 * The Lambda handler: validates the event, runs its step, logs one line per invocation. On failure it
 * logs `"event":"rotation_failed"` with a stable `code`, emits the `rajee/RotationFailures` metric and
 * rethrows, so Secrets Manager marks the step failed and retries it later.
 */
export function createRotationHandler(deps: RotationHandlerDeps): (event: unknown) => Promise<void> {
  return createRunner(deps, {
    createSecret: (event) => createSecret(deps, event),
    setSecret: (event) => setSecret(deps, event),
    testSecret: (event) => testSecret(deps, event),
    finishSecret: (event, description) => finishSecret(deps, event, description),
  });
}

/** The same handler for the binding keys (the private binding document and its public key). */
export function createBindingRotationHandler(deps: BindingRotationHandlerDeps): (event: unknown) => Promise<void> {
  return createRunner(deps, {
    createSecret: (event) => createBindingSecret(deps, event),
    setSecret: () => setBindingSecret(),
    testSecret: (event) => testBindingSecret(deps, event),
    finishSecret: (event, description) => finishBindingSecret(deps, event, description),
  });
}

function createRunner(deps: RunnerDeps, steps: StepSet): (event: unknown) => Promise<void> {
  const now = deps.now ?? (() => new Date());
  return async (raw) => {
    const started = Date.now();
    const context = describeRaw(raw);
    try {
      const event = parseRotationEvent(raw, deps.config.privateKeySecretArn);
      const description = await deps.store.describe(event.secretId);
      const stage = checkStages(description, event);
      let outcome: StepOutcome;
      if (stage === "already-current" && event.step !== "finishSecret") {
        outcome = { result: "skipped" };
      } else {
        switch (event.step) {
          case "createSecret":
            outcome = await steps.createSecret(event);
            break;
          case "setSecret":
            outcome = await steps.setSecret(event);
            break;
          case "testSecret":
            outcome = await steps.testSecret(event);
            break;
          case "finishSecret":
            outcome = await steps.finishSecret(event, description);
            break;
        }
      }
      deps.logger.info(
        { event: "rotation_step", step: event.step, version: event.token, secret: event.secretId, ...outcome, ms: Date.now() - started },
        `${event.step} ${outcome.result}${outcome.kid ? ` (kid ${outcome.kid})` : ""}`,
      );
      if (event.step === "finishSecret" && outcome.result === "done") deps.emitMetric(metricLine("RotationsCompleted", now()));
    } catch (error) {
      const code = error instanceof RotationError ? error.code : "aws";
      const err = error as Error;
      deps.logger.error(
        { event: "rotation_failed", ...context, code, error: { name: err.name, message: err.message }, ms: Date.now() - started },
        `rotation ${context.step} failed: ${err.message}`,
      );
      deps.emitMetric(metricLine("RotationFailures", now()));
      throw error;
    }
  };
}
