/**
 * Where telemetry goes inside the task: the OpenTelemetry collector's ports on the loopback
 * address, shared by Envoy's tracer, the authorizer's exporter and the collector's own
 * configuration (modules/proxy-service/collector-config.ts). Pure.
 */

/** OTLP/gRPC receiver of the collector (OTLP specification's default port 4317); Envoy's tracer sends here. */
export const COLLECTOR_OTLP_GRPC_PORT = 4317;
/** OTLP/HTTP receiver of the collector (the specification's default port 4318); the authorizer sends here. */
export const COLLECTOR_OTLP_HTTP_PORT = 4318;
/** The collector's health_check extension (its default port 13133), for the container health check. */
export const COLLECTOR_HEALTH_PORT = 13133;
/**
 * Envoy's stats-only listener on the loopback address: `GET /stats/prometheus` forwarded to the
 * admin interface, nothing else, so the collector never needs the admin port itself.
 */
export const ENVOY_STATS_PORT = 9902;
/** The one path the stats listener serves (Envoy admin, GET /stats/prometheus). */
export const ENVOY_PROMETHEUS_PATH = "/stats/prometheus";
/** The OTLP/HTTP traces path (OTLP specification, "OTLP/HTTP Request"). */
export const OTLP_TRACES_PATH = "/v1/traces";
/** `service.name` of Envoy's spans (the tracer's `service_name`) and of the emulator's. */
export const ENVOY_SERVICE_NAME = "rajee-envoy";

/** The authorizer's OTLP/HTTP traces URL in the task. */
export function collectorTracesUrl(host: string): string {
  return `http://${host}:${COLLECTOR_OTLP_HTTP_PORT}${OTLP_TRACES_PATH}`;
}
