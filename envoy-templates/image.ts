/** Envoy release the configuration is written and validated for. */
export const ENVOY_VERSION = "1.34.10";

/**
 * The Envoy container image, pinned by tag and digest so a re-pushed tag can never change what runs.
 * The tag is documentation; the digest is what ECS pulls. Verify a new pin with
 * `docker buildx imagetools inspect envoyproxy/envoy:v<version>` before changing it.
 */
export const ENVOY_IMAGE =
  `envoyproxy/envoy:v${ENVOY_VERSION}@sha256:3343a698c1bdfdbb174f1bd907dea789d728692f4f99a943e3e6f0bc5ef6513f`;
