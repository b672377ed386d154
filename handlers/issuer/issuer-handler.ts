import type { Logger } from "pino";
import { tokenSizeProblem } from "../../src/contracts/gateway";
import { ISSUER_ERRORS, parseIssueTokenRequest, type IssuerErrorBody, type IssuerErrorCode, type IssueTokenResponse } from "../../src/contracts/issuer-api";
import { evaluateIssuance } from "../../src/issuance/evaluate";
import type { IssuancePolicy } from "../../src/issuance/policy";
import { parseCaller, withRoleId } from "../../src/issuance/principal";
import type { PrivateSigningKey } from "../../src/keys/generate";
import type { BindingPublicKey } from "../../src/token/binding";
import { issueCredentials } from "../../src/token/credentials";
import { iamCaller, readRequest, type FunctionUrlEvent, type FunctionUrlResult } from "./event";
import type { IssuerMetric } from "./log";

/** What the issuer needs; index.ts supplies the real ones, tests their own. */
export interface IssuerDeps {
  /** The current private signing key (cached by the caller; see private-key.ts). */
  readonly readPrivateKey: () => Promise<PrivateSigningKey>;
  /** Who may get which grants (validated). */
  readonly policy: IssuancePolicy;
  /** `iss` of issued tokens. */
  readonly issuer: string;
  /** `aud` of issued tokens. */
  readonly audience: string;
  readonly now: () => Date;
  /** One line per issuance, denial or failure. */
  readonly log: Pick<Logger, "info" | "warn" | "error">;
  /** Counts one event (an EMF line in Lambda). */
  readonly metrics: (name: IssuerMetric) => void;
  /** The authorizers' public binding key: the token then carries the secret sealed to it. @default none (bearer tokens) */
  readonly binding?: BindingPublicKey;
}

const HEADERS = Object.freeze({ "content-type": "application/json", "cache-control": "no-store" });

function answer(statusCode: number, body: IssueTokenResponse | IssuerErrorBody): FunctionUrlResult {
  return { statusCode, headers: HEADERS, body: JSON.stringify(body) };
}

function errorAnswer(code: IssuerErrorCode, message: string): FunctionUrlResult {
  return answer(ISSUER_ERRORS[code], { error: { code, message } });
}

/** The 500 answer: no details for the caller, who is not trusted with them; the log has them. */
export function internalErrorAnswer(): FunctionUrlResult {
  return errorAnswer("InternalError", "the issuer failed; the error is in its log");
}

/** What a denial or issuance line says about the request. */
interface Subject {
  principal: string | undefined;
  requested: readonly string[] | undefined;
  ttlSeconds?: number | undefined;
}

/**
 * The issuer: a Function URL event in, credentials or an error out (docs/issuing.md). Refusals are
 * 400 (the request is malformed; the message names the field) or 403 (the caller is not AWS_IAM
 * authenticated, or the policy does not allow what it asked for); anything else is a 500 whose
 * details are logged, never answered.
 */
export function createIssuerHandler(deps: IssuerDeps): (event: FunctionUrlEvent) => Promise<FunctionUrlResult> {
  const deny = (subject: Subject, code: "BadRequest" | "AccessDenied", reason: string): FunctionUrlResult => {
    deps.log.warn({ event: "token_denied", decision: "denied", status: ISSUER_ERRORS[code], ...subject, reason }, `denied: ${reason}`);
    deps.metrics("Denied");
    return errorAnswer(code, reason);
  };

  return async (event) => {
    const subject: Subject = { principal: undefined, requested: undefined };
    try {
      const iam = iamCaller(event);
      if (!iam) return deny(subject, "AccessDenied", "the request names no IAM caller; the issuer's Function URL must use AuthType AWS_IAM");
      subject.principal = iam.userArn;
      const parsed = parseCaller(iam.userArn);
      if (!parsed) return deny(subject, "AccessDenied", `caller ${iam.userArn} is not an IAM user or assumed-role session the issuance policy can name`);
      const caller = iam.userId === undefined ? parsed : withRoleId(parsed, iam.userId);
      if (!caller) return deny(subject, "AccessDenied", `caller ${iam.userArn} has userId ${iam.userId}, which is not <role id>:<its session name>`);
      if (iam.accountId !== undefined && iam.accountId !== caller.account) {
        return deny(subject, "AccessDenied", `caller ${iam.userArn} is in account ${caller.account}, but the request context says ${iam.accountId}`);
      }
      const body = readRequest(event);
      if (!body.ok) return deny(subject, "BadRequest", body.problem);
      const request = parseIssueTokenRequest(body.json);
      if (!request.ok) return deny(subject, "BadRequest", request.problem);
      subject.requested = request.value.grants;
      subject.ttlSeconds = request.value.ttlSeconds;
      const decision = evaluateIssuance(deps.policy, caller, request.value);
      if (!decision.allowed) return deny(subject, decision.code === "bad-request" ? "BadRequest" : "AccessDenied", decision.reason);

      const key = await deps.readPrivateKey();
      const issued = await issueCredentials({
        key,
        subject: caller.arn,
        grants: decision.grants,
        ttlSeconds: decision.ttlSeconds,
        issuer: deps.issuer,
        audience: deps.audience,
        now: deps.now(),
        ...(deps.binding === undefined ? {} : { binding: deps.binding }),
      });
      const tooLarge = tokenSizeProblem(Buffer.byteLength(issued.sessionToken, "utf8"), decision.grants.length);
      if (tooLarge !== undefined) return deny(subject, "BadRequest", tooLarge);
      const expiresAt = issued.expiration.toISOString();
      deps.log.info(
        { event: "token_issued", decision: "issued", status: 200, ...subject, issued: decision.grants, rules: decision.rules, ttlSeconds: decision.ttlSeconds, jti: issued.jti, kid: key.kid, exp: expiresAt },
        `issued ${issued.jti} to ${caller.arn}`,
      );
      deps.metrics("Issued");
      return answer(200, {
        credentials: { AccessKeyId: issued.accessKeyId, SecretAccessKey: issued.secretAccessKey, SessionToken: issued.sessionToken, Expiration: expiresAt },
        grants: decision.grants,
        jti: issued.jti,
        expiresAt,
      });
    } catch (error) {
      const { name, message } = error instanceof Error ? error : new Error(String(error));
      deps.log.error({ event: "issuer_error", decision: "error", status: 500, ...subject, error: { name, message } }, `issuer failed: ${message}`);
      deps.metrics("Errors");
      return internalErrorAnswer();
    }
  };
}
