import { createHash } from "node:crypto";
import type { ClientSignatureMode } from "../../src/contracts/authorizer-environment";
import { CLIENT_CONTENT_LENGTH_HEADER } from "../../src/contracts/gateway";
import { s3Error, type S3Error } from "../../src/errors";
import type { GatewayRequest } from "../../src/s3/request";
import { parseSignature } from "../../src/sigv4/parse";
import { verifySignature, type SignedRequest } from "../../src/sigv4/verify";
import { BindingError, importBindingKey, openSecret, parseBindingPrivateKey, sealedKid, type BindingDecryptionKey, type BoundSecret } from "../../src/token/binding";
import type { VerifiedToken } from "../../src/token/verify";

/** The authorizers' private binding keys, by kid. */
export interface BindingKeyring {
  readonly keys: ReadonlyMap<string, BindingDecryptionKey>;
  /** Changes when the set of kids changes; never derived from private material. */
  readonly fingerprint: string;
  readonly kids: readonly string[];
}

/**
 * Parses the binding-key document `{"keys": [<private P-256 JWK>, ...]}` (every key that may still
 * have sealed a live token: the current one and the previous ones). Errors name the source and the
 * key index, never the key material (JSON syntax errors are reported without the text around them).
 */
export async function parseBindingKeys(text: string, source: string): Promise<BindingKeyring> {
  let document: unknown;
  try {
    document = JSON.parse(text);
  } catch {
    throw new BindingError(`${source}: not valid JSON`);
  }
  const list = (document as { keys?: unknown } | null)?.keys;
  if (!Array.isArray(list) || list.length === 0) throw new BindingError(`${source}: not a binding-key document (expected {"keys": [<private JWK>, ...]} with at least one key)`);
  const keys = new Map<string, BindingDecryptionKey>();
  for (const [index, entry] of list.entries()) {
    const key = parseBindingPrivateKey(entry, `${source}: keys[${index}]`);
    if (keys.has(key.kid)) throw new BindingError(`${source}: kid ${key.kid} appears twice; kids must be unique`);
    keys.set(key.kid, await importBindingKey(key));
  }
  const kids = [...keys.keys()].sort();
  return { keys, kids, fingerprint: createHash("sha256").update(kids.join(",")).digest("hex").slice(0, 12) };
}

/**
 * The request as the client signed it. Envoy's check request carries its own Content-Length (0 or
 * the buffered body's length, Envoy's ext_authz_http_impl.cc); the client's value arrives in
 * CLIENT_CONTENT_LENGTH_HEADER, copied by the Lua filter before ext_authz, and is put back here.
 */
export function clientView(request: GatewayRequest): SignedRequest {
  const { [CLIENT_CONTENT_LENGTH_HEADER]: clientLength, "content-length": _checkLength, ...rest } = request.headers;
  return { method: request.method, target: request.path, headers: clientLength === undefined ? rest : { ...rest, "content-length": clientLength } };
}

/** Why a request was refused before its grants were judged. */
export interface SignatureDenial {
  /** `client-signature:<why>`, for logs and the metrics label. */
  readonly reason: string;
  readonly error: S3Error;
  /** More for the log line (a signed header that did not arrive); never the secret or the signature. */
  readonly detail?: string;
}

const deny = (why: string, error: S3Error, detail?: string): SignatureDenial => (detail === undefined ? { reason: `client-signature:${why}`, error } : { reason: `client-signature:${why}`, error, detail });

const GET_CREDENTIALS = "get credentials from the issuer ('rajee token credential-process' prints the access key id, secret and session token as an AWS credential_process), or mint them with 'rajee token mint --binding-key'";

/** Secrets opened from `cnf.jwe`, held as long as the verified token object is (the token cache's entry). */
const openedSecrets = new WeakMap<VerifiedToken, BoundSecret>();

/** The secret sealed in `jwe`: synchronous once opened for this token, so a token-cache hit needs no promise. */
function boundSecret(token: VerifiedToken, jwe: string, keyring: BindingKeyring | undefined): BoundSecret | SignatureDenial | Promise<BoundSecret | SignatureDenial> {
  const cached = openedSecrets.get(token);
  if (cached) return cached;
  return openBoundSecret(token, jwe, keyring);
}

async function openBoundSecret(token: VerifiedToken, jwe: string, keyring: BindingKeyring | undefined): Promise<BoundSecret | SignatureDenial> {
  const kid = sealedKid(jwe);
  const key = kid === undefined ? undefined : keyring?.keys.get(kid);
  if (key === undefined) {
    return deny("binding-key-unknown", s3Error("AccessDenied", `the token's credentials are sealed to binding key '${kid ?? "(none)"}', which this gateway does not hold; ${GET_CREDENTIALS}`));
  }
  try {
    const secret = await openSecret(jwe, key);
    openedSecrets.set(token, secret);
    return secret;
  } catch (error) {
    if (!(error instanceof BindingError)) throw error;
    return deny("binding-invalid", s3Error("AccessDenied", `the token's sealed credentials cannot be opened; ${GET_CREDENTIALS}`), error.message);
  }
}

export interface ClientSignatureCheck {
  readonly mode: ClientSignatureMode;
  readonly request: GatewayRequest;
  /** The verified token of the request. */
  readonly token: VerifiedToken;
  /** Undefined when no binding keys are configured. */
  readonly keyring: BindingKeyring | undefined;
  readonly nowMs: number;
}

/**
 * Checks the client's SigV4 signature against the secret bound to its token, before any grant is
 * judged: undefined when the request may be judged, or the denial. In `required` mode a token
 * without `cnf` is refused; in `when-bound` mode it passes; in `off` mode everything passes.
 * Synchronous unless the token's sealed secret has not been opened yet (once per cached token).
 */
export function checkClientSignature(check: ClientSignatureCheck): SignatureDenial | undefined | Promise<SignatureDenial | undefined> {
  const { mode, request, token } = check;
  if (mode === "off") return undefined;
  if (token.cnf === undefined) {
    if (mode === "when-bound") return undefined;
    return deny("bearer-refused", s3Error("AccessDenied", `this gateway accepts only signed requests with bound credentials, and this token is a bearer token (no cnf); ${GET_CREDENTIALS}`));
  }
  const view = clientView(request);
  const question = view.target.indexOf("?");
  const parsed = parseSignature(view.headers, question < 0 ? "" : view.target.slice(question + 1));
  if (!parsed.ok) return deny("malformed", parsed.error);
  if (parsed.claim === undefined) {
    const how = parsed.scheme === "sigv2" ? "it is signed with SigV2, which bound credentials do not accept; sign with SigV4 (boto3/aws cli v1: signature_version = s3v4)" : "it is not signed";
    return deny(parsed.scheme === "sigv2" ? "sigv2" : "unsigned", s3Error("AccessDenied", `this token is bound to credentials and ${how}: send the request SigV4-signed with the access key id and secret issued with the token`));
  }
  const { claim } = parsed;
  const judge = (secret: BoundSecret | SignatureDenial): SignatureDenial | undefined => {
    if ("reason" in secret) return secret;
    const verdict = verifySignature(view, claim, secret, check.nowMs);
    if (verdict.ok) return undefined;
    return deny(verdict.reason, verdict.error, verdict.detail);
  };
  const secret = boundSecret(token, token.cnf.jwe, check.keyring);
  return secret instanceof Promise ? secret.then(judge) : judge(secret);
}
