/**
 * Envoy configuration for the gateway: a validated settings model and a pure renderer.
 * Nothing here is hand-edited YAML; `rajee envoy render --env <name>` prints what is deployed.
 */
export { envoySettings } from "./settings";
export type { EnvoySettings, EnvoySettingsInput, HeaderNameSet } from "./settings";
export { renderEnvoyBootstrap, S3_CLUSTER } from "./bootstrap";
export { renderEnvoyYaml, envoyCommand } from "./render";
export { ENVOY_IMAGE } from "./image";
export { envoySettingsForEnvironment } from "./environment";
