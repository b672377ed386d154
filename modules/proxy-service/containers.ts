import type { ContainerDefinition, HealthCheck, KeyValuePair, LogConfiguration } from "@aws-sdk/client-ecs";
import { ConfigError } from "../../src/config-error";
import { authorizerEnvironment, type AuthorizerSettings } from "../../src/contracts/authorizer-environment";
import { LOOPBACK } from "../../src/contracts/gateway";
import { collectorContainer, type CollectorContainerInputs } from "./collector";
import type { ContainerSize, HealthCheckTiming } from "./task-size";

/** What the authorizer container is told; written by the contract's writer, read back by the authorizer's parser. */
export type { AuthorizerSettings };

/** Everything needed to write the two container definitions. */
export interface ContainerInputs {
  readonly region: string;
  readonly envoyImage: string;
  readonly authorizerImage: string;
  /** Envoy's full command (`envoy --config-yaml <yaml> ...`), run by the image's entrypoint. */
  readonly envoyCommand: readonly string[];
  readonly listenerPort: number;
  readonly healthPort: number;
  /** Path on the health listener that Envoy answers alone (liveness), for the container health check. */
  readonly livePath: string;
  readonly authorizerPort: number;
  readonly authorizerAdminPort: number;
  readonly envoy: ContainerSize;
  readonly authorizer: ContainerSize;
  readonly envoyHealthCheck: HealthCheckTiming;
  readonly authorizerHealthCheck: HealthCheckTiming;
  readonly envoyStopTimeoutSeconds: number;
  readonly authorizerStopTimeoutSeconds: number;
  readonly logGroups: { readonly envoy: string; readonly authorizer: string };
  readonly settings: AuthorizerSettings;
  /** The OpenTelemetry collector's container, when the task runs one. @default none */
  readonly collector?: CollectorContainerInputs;
}

/** Container names, used by dependsOn and the service's load balancer block. */
export const ENVOY_CONTAINER = "envoy";
export const AUTHORIZER_CONTAINER = "authorizer";
/** The `envoy` user of the official Envoy image (uid/gid 101); the authorizer image runs as 10001. */
export const ENVOY_USER = "101:101";
export const AUTHORIZER_USER = "10001:10001";
/**
 * The authorizer image's health check: liveness, `GET /healthz` on its operations port
 * (`handlers/authorizer/healthcheck.ts`, bundled to `/app/healthcheck.js`).
 */
export const AUTHORIZER_HEALTH_COMMAND = ["CMD", "node", "/app/healthcheck.js"];
/** Open files per container: Envoy holds two sockets per proxied request. */
export const NOFILE_LIMIT = 65536;

/** Seconds the Envoy container health check waits for the status line before it fails. */
export const ENVOY_HEALTH_READ_TIMEOUT_SECONDS = 2;

/** What may sit in a request target written into a shell string: no quotes, spaces or control bytes. */
const SAFE_PATH = /^\/[A-Za-z0-9._~/-]*$/;

/**
 * Envoy's container health check, liveness only: `GET <livePath> HTTP/1.1` on the health listener,
 * which Envoy answers with a direct 200 without asking the authorizer, so an unready authorizer
 * (first deploy, Secrets Manager outage) never makes ECS replace the task. HTTP/1.1 because Envoy
 * answers HTTP/1.0 with 426 (`accept_http_10` unset). The Envoy image (Ubuntu) has bash but no curl
 * or wget, so only bash builtins: `/dev/tcp`, `read -t` as the timeout, and the status line parsed
 * with its CR removed. Exits 0 on `HTTP/1.x 200`, 1 otherwise.
 */
export function envoyHealthCommand(healthPort: number, livePath: string): string[] {
  if (!SAFE_PATH.test(livePath)) {
    throw new ConfigError(`proxy-service: livePath=${JSON.stringify(livePath)} is not a plain absolute path; use letters, digits and ._~/- only, e.g. "/live"`);
  }
  const script = [
    `exec 3<>/dev/tcp/${LOOPBACK}/${healthPort} || exit 1`,
    `printf 'GET ${livePath} HTTP/1.1\\r\\nHost: ${LOOPBACK}\\r\\nConnection: close\\r\\n\\r\\n' >&3 || exit 1`,
    `read -r -t ${ENVOY_HEALTH_READ_TIMEOUT_SECONDS} version status _ <&3 || exit 1`,
    `status=\${status%$'\\r'}`,
    `[[ $version == HTTP/1.[01] && $status == 200 ]]`,
  ].join("; ");
  return ["CMD", "bash", "-c", script];
}

/** The two container definitions of the gateway task, as ECS's own type. Pure. */
export function gatewayContainers(c: ContainerInputs): ContainerDefinition[] {
  const hardening = {
    readonlyRootFilesystem: true,
    privileged: false,
    linuxParameters: { initProcessEnabled: true, capabilities: { drop: ["ALL"] } },
    ulimits: [{ name: "nofile" as const, softLimit: NOFILE_LIMIT, hardLimit: NOFILE_LIMIT }],
  };
  const authorizer: ContainerDefinition = {
    name: AUTHORIZER_CONTAINER,
    image: c.authorizerImage,
    essential: true,
    cpu: c.authorizer.cpu,
    memory: c.authorizer.memoryMiB,
    memoryReservation: c.authorizer.memoryReservationMiB,
    user: AUTHORIZER_USER,
    ...hardening,
    environment: authorizerVariables(c),
    healthCheck: healthCheck(AUTHORIZER_HEALTH_COMMAND, c.authorizerHealthCheck),
    stopTimeout: c.authorizerStopTimeoutSeconds,
    logConfiguration: awslogs(c.logGroups.authorizer, c.region, AUTHORIZER_CONTAINER),
  };
  const envoy: ContainerDefinition = {
    name: ENVOY_CONTAINER,
    image: c.envoyImage,
    essential: true,
    cpu: c.envoy.cpu,
    memory: c.envoy.memoryMiB,
    memoryReservation: c.envoy.memoryReservationMiB,
    user: ENVOY_USER,
    ...hardening,
    command: c.envoyCommand.map(escapeTerraform),
    portMappings: [
      { name: "s3", containerPort: c.listenerPort, protocol: "tcp" },
      { name: "health", containerPort: c.healthPort, protocol: "tcp" },
    ],
    dependsOn: [{ containerName: AUTHORIZER_CONTAINER, condition: "HEALTHY" }],
    healthCheck: healthCheck(envoyHealthCommand(c.healthPort, c.livePath), c.envoyHealthCheck),
    stopTimeout: c.envoyStopTimeoutSeconds,
    logConfiguration: awslogs(c.logGroups.envoy, c.region, ENVOY_CONTAINER),
  };
  // The collector's configuration is literal text in the Terraform JSON too.
  return [authorizer, envoy, ...(c.collector ? [collectorContainer({ ...c.collector, config: escapeTerraform(c.collector.config) })] : [])];
}

/** ECS's `environment` list of the authorizer, from the contract's writer. */
function authorizerVariables(c: ContainerInputs): KeyValuePair[] {
  const vars = authorizerEnvironment({ region: c.region, checkPort: c.authorizerPort, adminPort: c.authorizerAdminPort }, c.settings);
  return Object.entries(vars).map(([name, value]) => ({ name, value }));
}

/** Commands are literal text in the Terraform JSON, like Envoy's command: escaped the same way. */
function healthCheck(command: string[], t: HealthCheckTiming): HealthCheck {
  return { command: command.map(escapeTerraform), interval: t.intervalSeconds, timeout: t.timeoutSeconds, retries: t.retries, startPeriod: t.startPeriodSeconds };
}

function awslogs(group: string, region: string, prefix: string): LogConfiguration {
  return {
    logDriver: "awslogs",
    options: {
      "awslogs-group": group,
      "awslogs-region": region,
      "awslogs-stream-prefix": prefix,
      // Never block the proxy on CloudWatch: buffer up to 25 MiB, drop beyond.
      mode: "non-blocking",
      "max-buffer-size": "25m",
    },
  };
}

/** Literal text embedded in Terraform JSON: `${` and `%{` would start an interpolation or directive. */
export function escapeTerraform(text: string): string {
  return text.replace(/\$\{/g, () => "$${").replace(/%\{/g, () => "%%{");
}
