import { createPrivateKey, X509Certificate } from "node:crypto";
import { existsSync } from "node:fs";
import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { generate } from "selfsigned";

/** A PEM key and self-signed certificate for the local gateway's HTTPS listener. */
export interface LocalTls {
  readonly key: string;
  readonly cert: string;
}

/** Lifetime of a generated certificate, days. Long enough that a kept one rarely changes. */
const CERTIFICATE_DAYS = 90;
/** A kept certificate closer than this to its end is replaced, so a session never outlives it. */
const RENEW_BEFORE_MS = 7 * 24 * 3600 * 1000;

/** File names of the kept certificate and key inside the working folder. */
export const LOCAL_CA_FILE = "gateway-ca.pem";
export const LOCAL_KEY_FILE = "gateway-key.pem";

/** The DNS names the certificate covers: localhost, and the domain and `*.domain` for virtual-hosted addressing. */
function dnsNames(domain: string | undefined): string[] {
  return ["localhost", ...(domain ? [domain, `*.${domain}`] : [])];
}

/**
 * A throwaway self-signed certificate (it is its own CA) for 127.0.0.1, localhost and, when given,
 * `domain` and `*.domain`.
 */
export async function localCertificate(domain?: string): Promise<LocalTls> {
  const pems = await generate([{ name: "commonName", value: "localhost" }], {
    keySize: 2048,
    notAfterDate: new Date(Date.now() + CERTIFICATE_DAYS * 24 * 3600 * 1000),
    algorithm: "sha256",
    extensions: [
      { name: "basicConstraints", cA: true },
      { name: "subjectAltName", altNames: [...dnsNames(domain).map((value) => ({ type: 2, value })), { type: 7, ip: "127.0.0.1" }] },
    ],
  } as Parameters<typeof generate>[1]);
  return { key: pems.private, cert: pems.cert };
}

/** Why a kept certificate cannot be reused (unreadable, ending soon, missing a name), or undefined when it can. */
export function certificateProblem(tls: LocalTls, domain: string | undefined, now = Date.now()): string | undefined {
  let certificate: X509Certificate;
  try {
    certificate = new X509Certificate(tls.cert);
  } catch {
    return "it cannot be read";
  }
  try {
    if (!certificate.checkPrivateKey(createPrivateKey(tls.key))) return "the key does not match it";
  } catch {
    return "its key cannot be read";
  }
  if (Date.parse(certificate.validTo) - now < RENEW_BEFORE_MS) return `it ends ${certificate.validTo}`;
  const names = (certificate.subjectAltName ?? "").split(", ");
  const missing = [...dnsNames(domain).map((n) => `DNS:${n}`), "IP Address:127.0.0.1"].filter((n) => !names.includes(n));
  return missing.length === 0 ? undefined : `it does not cover ${missing.join(", ")}`;
}

/**
 * The certificate kept in `dir` (`gateway-ca.pem`, `gateway-key.pem`), reused across restarts so
 * clients keep trusting it; a new one when there is none or the kept one cannot serve (see
 * {@link certificateProblem}). `renewed` says why a new one was made.
 */
export async function keptCertificate(dir: string, domain: string | undefined): Promise<LocalTls & { readonly caFile: string; readonly renewed?: string }> {
  const caFile = join(dir, LOCAL_CA_FILE);
  const keyFile = join(dir, LOCAL_KEY_FILE);
  let renewed: string | undefined;
  if (existsSync(caFile) && existsSync(keyFile)) {
    const kept = { key: await readFile(keyFile, "utf8"), cert: await readFile(caFile, "utf8") };
    const problem = certificateProblem(kept, domain);
    if (!problem) return { ...kept, caFile };
    renewed = `the kept one was replaced: ${problem}`;
  }
  const fresh = await localCertificate(domain);
  await writeFile(keyFile, fresh.key, { mode: 0o600 });
  await writeFile(caFile, fresh.cert);
  return { ...fresh, caFile, ...(renewed ? { renewed } : {}) };
}
