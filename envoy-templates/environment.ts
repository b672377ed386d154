import { envoySettings, type EnvoySettings, type EnvoySettingsInput } from "./settings";

/**
 * The parts of an environment's config (`config/<name>.ts`) the Envoy settings depend on, typed
 * structurally so this module does not depend on the whole environment type.
 */
export interface EnvoyEnvironment {
  /** AWS region of the buckets; S3 is reached at `s3.<region>.amazonaws.com`. */
  readonly region: string;
  /** Fargate sizing; the Envoy container's memory sets the overload manager's heap limit. */
  readonly task?: { readonly envoy?: { readonly memoryMiB?: number } };
  /** Tracing through the collector in the task; its ratio is Envoy's random sampling. @default none */
  readonly tracing?: { readonly samplingRatio: number };
}

/** Share of the Envoy container's hard memory limit the heap may use before Envoy sheds load. */
export const HEAP_SHARE_OF_CONTAINER_MEMORY = 0.75;

/** The settings input for an environment, before defaults. Pure. */
export function envoySettingsInputForEnvironment(env: EnvoyEnvironment): EnvoySettingsInput {
  const memoryMiB = env.task?.envoy?.memoryMiB;
  return {
    s3Region: env.region,
    ...(memoryMiB === undefined ? {} : { maxHeapSizeBytes: Math.floor(memoryMiB * HEAP_SHARE_OF_CONTAINER_MEMORY) * 1024 * 1024 }),
    ...(env.tracing === undefined ? {} : { tracing: { samplingRatio: env.tracing.samplingRatio } }),
  };
}

/** Validated Envoy settings for an environment. */
export function envoySettingsForEnvironment(env: EnvoyEnvironment): EnvoySettings {
  return envoySettings(envoySettingsInputForEnvironment(env));
}
