/** What every client adapter is given: the gateway, its CA, the JWT, and a scratch directory. */
export interface AdapterSetup {
  /** `https://127.0.0.1:<port>`. */
  readonly gatewayUrl: string;
  /** The gateway's CA certificate, as a PEM file and as text. */
  readonly caFile: string;
  readonly caPem: string;
  readonly token: string;
  readonly region: string;
  /** The client's own scratch directory (its config files go here). */
  readonly dir: string;
}
