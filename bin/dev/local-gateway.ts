import type { DestinationStream } from "pino";
import { envoySettings } from "../../envoy-templates";
import { build, type AuthorizerApp } from "../../handlers/authorizer/app";
import { parseConfig } from "../../handlers/authorizer/config";
import { createLogger } from "../../handlers/authorizer/logger";
import { fileSource, type TextSource } from "../../handlers/authorizer/text-source";
import { upstreamSigner } from "../../handlers/authorizer/upstream-signing";
import { createLogger as createIssuerLogger } from "../../handlers/issuer/log";
import { createIssuerHandler } from "../../handlers/issuer/issuer-handler";
import type { IssuancePolicy } from "../../src/issuance/policy";
import type { PrivateSigningKey } from "../../src/keys/generate";
import type { BindingPublicKey } from "../../src/token/binding";
import { startGatewayEmulator, type GatewayEmulator } from "./gateway-emulator";
import type { GatewayTracing } from "./otlp-gateway-spans";
import { startIssuerEndpoint, type DevPrincipals, type IssuerEndpoint, type IssuerRequestRecord } from "./issuer-endpoint";
import { decisionJoin, type RequestRecord } from "./request-lines";
import { startS3StandIn, type S3StandIn } from "./s3-standin";
import { localCertificate, type LocalTls } from "./tls";
import { AUTHORIZER_VARIABLES } from "../../src/contracts/authorizer-environment";
import { LOOPBACK } from "../../src/contracts/gateway";

/** The "task role" of a local gateway: the only credentials the S3 stand-in accepts. */
export const LOCAL_TASK_ROLE = Object.freeze({
  accessKeyId: "AKIDLOCALTASKROLE",
  secretAccessKey: "local-task-role-secret",
  sessionToken: "local-task-role-session-token",
});
export const LOCAL_REGION = "eu-west-1";
export const LOCAL_S3_ENDPOINT = "s3.eu-west-1.amazonaws.com";

export interface LocalGatewayOptions {
  /** Buckets the S3 stand-in (moto behind the verifying layer) creates. */
  readonly buckets: readonly string[];
  /** The JWKS the authorizer trusts: a file path or a source tests control. */
  readonly keys: string | TextSource;
  /** Extra `RAJEE_*` settings for the authorizer. */
  readonly env?: Readonly<Record<string, string>>;
  /** Where the authorizer logs. @default silent */
  readonly logDestination?: DestinationStream;
  /** Port of the HTTPS gateway. @default any free port */
  readonly port?: number;
  /**
   * Folder the stand-in saves objects to on stop and restores them from on start.
   * @default none: objects live in moto's memory and go when the gateway stops
   */
  readonly directory?: string;
  /** Key and certificate of the HTTPS listener, e.g. kept across restarts. @default a new one covering `virtualHostDomain` */
  readonly tls?: LocalTls;
  /** Domain of virtual-hosted requests (`<bucket>.<domain>`), for the authorizer. @default none: path-style only */
  readonly virtualHostDomain?: string;
  /** Called once per request when its response ends, with the authorizer's decision when it made one. @default none */
  readonly onRequest?: (record: RequestRecord) => void;
  /** Also run the token issuer on 127.0.0.1, as `npm run dev` does. @default none */
  readonly issuer?: LocalIssuerOptions;
  /** Send the emulator's and the authorizer's spans to this OTLP/HTTP endpoint (bin/dev/otlp-receiver.ts). @default none */
  readonly tracing?: Omit<GatewayTracing, "serviceName">;
  /**
   * Proof of possession: the authorizer opens `cnf.jwe` with the private keys in `keysFile`, and the
   * local issuer, when it runs, binds every token it issues to `publicKey` (the newest of them).
   * @default none: the issuer hands out bearer tokens and the authorizer has no binding keys
   */
  readonly binding?: LocalBinding;
}

/** The binding key pair of a local gateway, as `rajee keys binding` writes it. */
export interface LocalBinding {
  /** `{"keys": [private JWK, ...]}`, mode 0600: the authorizer's RAJEE_BINDING_KEYS_FILE. */
  readonly keysFile: string;
  /** The public half of the newest key: what the issuer seals each token's secret to. */
  readonly publicKey: BindingPublicKey;
}

/** The local token issuer: the real handler behind a stand-in of its Function URL (bin/dev/issuer-endpoint.ts). */
export interface LocalIssuerOptions {
  /** Test keys and the principals they stand for (config/dev-principals.json). */
  readonly principals: DevPrincipals;
  /** Who may get which grants. */
  readonly policy: IssuancePolicy;
  /** The key issued tokens are signed with; its public half must be in the gateway's `keys`. */
  readonly privateKey: PrivateSigningKey;
  /** Port of the issuer. @default any free port */
  readonly port?: number;
  /** Called once per issuer request with the caller (when the signature checked out), the status and why it was refused. @default none */
  readonly onRequest?: (record: IssuerRequestRecord) => void;
}

export interface LocalGateway {
  /** `https://127.0.0.1:<port>`: point S3 clients here. */
  readonly url: string;
  /** PEM certificate of the gateway, for `AWS_CA_BUNDLE` / an HTTPS agent. */
  readonly caCertificate: string;
  readonly authorizer: AuthorizerApp;
  readonly authorizerUrl: string;
  readonly adminUrl: string;
  readonly standIn: S3StandIn;
  readonly emulator: GatewayEmulator;
  /** The local issuer, when `issuer` was given: `--url` of `rajee token request` (sign for LOCAL_REGION). */
  readonly issuer?: IssuerEndpoint;
  stop(): Promise<void>;
}

/**
 * Starts the whole gateway on 127.0.0.1 without AWS: the S3 stand-in (moto behind the verifying
 * layer), the real authorizer with the upstream signer (signing with LOCAL_TASK_ROLE), and the
 * Envoy emulator serving HTTPS. Needs moto (`pip install "moto[server]"`).
 */
export async function startLocalGateway(options: LocalGatewayOptions): Promise<LocalGateway> {
  const standIn = await startS3StandIn({ credentials: LOCAL_TASK_ROLE, region: LOCAL_REGION, buckets: options.buckets, ...(options.directory ? { directory: options.directory } : {}) });
  try {
    return await startInFrontOf(standIn, options);
  } catch (error) {
    await standIn.close();
    throw error;
  }
}

async function startInFrontOf(standIn: S3StandIn, options: LocalGatewayOptions): Promise<LocalGateway> {
  const v = AUTHORIZER_VARIABLES;
  const join = options.onRequest ? decisionJoin(options.logDestination) : undefined;
  const logDestination = join?.sink ?? options.logDestination;
  const config = parseConfig({
    [v.listen]: `${LOOPBACK}:0`,
    [v.adminListen]: `${LOOPBACK}:0`,
    [v.jwksFile]: typeof options.keys === "string" ? options.keys : "(test source)",
    [v.s3Region]: LOCAL_REGION,
    [v.s3Endpoint]: LOCAL_S3_ENDPOINT,
    [v.emfIntervalSeconds]: "0",
    [v.logLevel]: logDestination ? "info" : "silent",
    ...(options.virtualHostDomain ? { [v.virtualHostDomain]: options.virtualHostDomain } : {}),
    ...(options.tracing ? { [v.tracingEndpoint]: options.tracing.endpoint, [v.tracingSamplingRatio]: String(options.tracing.samplingRatio) } : {}),
    ...(options.binding ? { [v.bindingKeysFile]: options.binding.keysFile } : {}),
    ...options.env,
  });
  const authorizer = build({
    config,
    keySource: typeof options.keys === "string" ? fileSource(options.keys) : options.keys,
    logger: createLogger(config.logLevel, logDestination),
    onAllow: upstreamSigner({ host: LOCAL_S3_ENDPOINT, region: LOCAL_REGION }, async () => LOCAL_TASK_ROLE),
  });
  const { checkPort, adminPort } = await authorizer.start();
  const authorizerUrl = `http://127.0.0.1:${checkPort}`;
  let tls: LocalTls;
  let emulator: GatewayEmulator;
  try {
    tls = options.tls ?? (await localCertificate(options.virtualHostDomain));
    const settings = envoySettings({ s3Region: LOCAL_REGION, s3Endpoint: LOCAL_S3_ENDPOINT });
    const onRequest = options.onRequest;
    emulator = await startGatewayEmulator({
      settings,
      authorizerUrl,
      upstreamUrl: standIn.url,
      tls,
      ...(options.port ? { port: options.port } : {}),
      ...(options.tracing ? { tracing: options.tracing } : {}),
      ...(onRequest && join ? { onExchange: (exchange) => onRequest(join.record(exchange)) } : {}),
    });
  } catch (error) {
    await authorizer.shutdown(1000);
    throw error;
  }
  let issuer: IssuerEndpoint | undefined;
  if (options.issuer) {
    try {
      issuer = await startLocalIssuer(options.issuer, config, options.logDestination, options.binding?.publicKey);
    } catch (error) {
      await emulator.close();
      await authorizer.shutdown(1000);
      throw error;
    }
  }
  return {
    url: emulator.url,
    caCertificate: tls.cert,
    authorizer,
    authorizerUrl,
    adminUrl: `http://127.0.0.1:${adminPort}`,
    standIn,
    emulator,
    ...(issuer ? { issuer } : {}),
    async stop() {
      await issuer?.close();
      await emulator.close();
      await authorizer.shutdown(1000);
      await standIn.close();
    },
  };
}

/**
 * The issuer's real handler, signing with the local key for the `iss` and `aud` this gateway's
 * authorizer requires, behind the endpoint that checks callers' signatures as a Function URL does;
 * with the gateway's binding key, every token it issues is bound to it.
 */
function startLocalIssuer(
  options: LocalIssuerOptions,
  authorizer: { issuer: string; audience: string },
  logDestination: DestinationStream | undefined,
  binding: BindingPublicKey | undefined,
): Promise<IssuerEndpoint> {
  const handler = createIssuerHandler({
    readPrivateKey: async () => options.privateKey,
    policy: options.policy,
    issuer: authorizer.issuer,
    audience: authorizer.audience,
    now: () => new Date(),
    log: createIssuerLogger(logDestination ? "info" : "silent", logDestination ?? { write: () => undefined }),
    metrics: () => undefined,
    ...(binding ? { binding } : {}),
  });
  return startIssuerEndpoint({
    principals: options.principals,
    region: LOCAL_REGION,
    handler,
    ...(options.port ? { port: options.port } : {}),
    ...(options.onRequest ? { onRequest: options.onRequest } : {}),
  });
}
