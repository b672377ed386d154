import { signUpstream, type Credentials, type S3Endpoint } from "../../src/upstream/sign";
import type { AllowHook } from "./service";

/** Returns current credentials; the AWS SDK's default provider chain caches and refreshes them. */
export type CredentialSource = () => Promise<Credentials>;

/** The Envoy response header that names client headers to remove from the upstream request. */
export const HEADERS_TO_REMOVE = "x-envoy-auth-headers-to-remove";

/**
 * The allow hook that signs the judged request for S3 (docs/design.md section 5): Envoy copies the
 * returned headers onto the upstream request and removes the ones named in HEADERS_TO_REMOVE.
 * A credentials failure throws, and the service turns a throwing hook into a denial.
 */
export function upstreamSigner(endpoint: S3Endpoint, credentials: CredentialSource): AllowHook {
  return async (decision, context) => {
    const signature = await signUpstream({
      request: decision.received,
      classified: decision.request,
      credentials: await credentials(),
      endpoint,
      now: context.now,
    });
    const headers: Record<string, string> = { ...signature.setHeaders };
    if (signature.removeHeaders.length > 0) headers[HEADERS_TO_REMOVE] = signature.removeHeaders.join(",");
    return headers;
  };
}

/** The SDK's default chain: ECS task role in AWS, profile or environment credentials locally. */
export async function defaultCredentialSource(): Promise<CredentialSource> {
  const { fromNodeProviderChain } = await import("@aws-sdk/credential-providers");
  const provider = fromNodeProviderChain();
  return async () => {
    const identity = await provider();
    return identity.sessionToken === undefined
      ? { accessKeyId: identity.accessKeyId, secretAccessKey: identity.secretAccessKey }
      : { accessKeyId: identity.accessKeyId, secretAccessKey: identity.secretAccessKey, sessionToken: identity.sessionToken };
  };
}
