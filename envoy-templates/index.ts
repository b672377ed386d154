/**
 * Envoy configuration for the gateway: a validated settings model and a pure renderer.
 * Nothing here is hand-edited YAML; `rajee envoy render --env <name>` prints what is deployed.
 */
export { envoySettings } from "./settings";
export type {
  EnvoySettings,
  EnvoySettingsInput,
  ExtAuthzSettings,
  DeleteObjectsRoute,
  HeaderNameSet,
  PathSettings,
} from "./settings";
export { DELETE_OBJECTS_MAX_BODY_BYTES, ECS_MAX_STOP_TIMEOUT_SECONDS } from "./settings";
export { renderEnvoyBootstrap, AUTHORIZER_CLUSTER, S3_CLUSTER } from "./bootstrap";
export { renderEnvoyYaml, envoyCommand } from "./render";
export { ENVOY_IMAGE, ENVOY_VERSION } from "./image";
export { envoySettingsForEnvironment, envoySettingsInputForEnvironment } from "./environment";
export type { EnvoyEnvironment } from "./environment";
