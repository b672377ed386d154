import { decide, type Decision, type DecisionContext } from "../../src/decision";
import { generateSigningKeyPair, type GeneratedKeyPair } from "../../src/keys/generate";
import { buildKeyring, type Keyring } from "../../src/keys/keyring";
import { mintToken, type MintRequest } from "../../src/token/mint";
import { tokenPolicy, type TokenPolicy } from "../../src/token/policy";
import { verifyToken } from "../../src/token/verify";
import type { GatewayRequest } from "../../src/s3/request";

/** A key pair, its keyring, and helpers to mint tokens and decide requests with them. */
export interface TokenFixture {
  readonly pair: GeneratedKeyPair;
  readonly keyring: Keyring;
  mint(grants: readonly string[], overrides?: Partial<MintRequest>): Promise<string>;
  context(options?: { policy?: Partial<TokenPolicy>; now?: Date; virtualHostDomain?: string }): DecisionContext;
  /** Decides `request` with a token for `grants` in the x-amz-security-token header. */
  decideWith(grants: readonly string[], request: Omit<GatewayRequest, "headers"> & { headers?: GatewayRequest["headers"] }, options?: { virtualHostDomain?: string }): Promise<Decision>;
}

export async function tokenFixture(): Promise<TokenFixture> {
  const pair = await generateSigningKeyPair();
  const keyring = await buildKeyring({ keys: [pair.publicKey] });
  const mint = (grants: readonly string[], overrides: Partial<MintRequest> = {}) =>
    mintToken({ key: pair.privateKey, subject: "alice", grants, ttlSeconds: 900, issuer: "rajee", audience: "rajee", ...overrides });
  const context = (options: { policy?: Partial<TokenPolicy>; now?: Date; virtualHostDomain?: string } = {}): DecisionContext => {
    const policy = tokenPolicy(options.policy);
    const now = options.now ?? new Date();
    return {
      verify: (token) => verifyToken(token, keyring, policy, now),
      classify: options.virtualHostDomain ? { virtualHostDomain: options.virtualHostDomain } : {},
      now,
    };
  };
  return {
    pair,
    keyring,
    mint,
    context,
    async decideWith(grants, request, options = {}) {
      const token = await mint(grants);
      return decide({ ...request, headers: { host: "gateway.example.com", ...request.headers, "x-amz-security-token": token } }, context(options));
    },
  };
}
