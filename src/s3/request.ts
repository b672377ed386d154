import type { Headers } from "./headers";

/** An HTTP request as Envoy forwards it to the authorizer. */
export interface GatewayRequest {
  /** Upper-case HTTP method. */
  readonly method: string;
  /** The raw request target: path and query exactly as the client sent them. */
  readonly path: string;
  /** Header values by lower-case name; `host` carries the client's authority. */
  readonly headers: Headers;
  /** The body, present only where Envoy forwards it (DeleteObjects). */
  readonly body?: Uint8Array | string;
}
