/** IPv4 CIDR arithmetic for laying out subnets at synth time (no Terraform functions, so plans show literal ranges). */

/** A parsed IPv4 CIDR block. */
export interface Ipv4Cidr {
  /** Network address as an unsigned 32-bit integer. */
  readonly base: number;
  /** Prefix length, 0-32. */
  readonly prefixLength: number;
}

const CIDR_PATTERN = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\/(\d{1,2})$/;

/** Why `text` is not a canonical IPv4 CIDR (network address with no host bits set), or undefined. */
export function cidrProblem(text: string): string | undefined {
  const match = CIDR_PATTERN.exec(text);
  if (!match) return "is not an IPv4 CIDR like 10.0.0.0/16";
  const octets = match.slice(1, 5).map(Number);
  if (octets.some((o) => o > 255)) return "has an octet above 255";
  const prefixLength = Number(match[5]);
  if (prefixLength > 32) return "has a prefix length above 32";
  const base = octetsToInt(octets);
  if ((base & hostMask(prefixLength)) >>> 0 !== 0) {
    return `has host bits set (the network address is ${formatCidr({ base: (base & ~hostMask(prefixLength)) >>> 0, prefixLength })})`;
  }
  return undefined;
}

/** Parses a canonical IPv4 CIDR; throws on anything `cidrProblem` rejects. */
export function parseCidr(text: string): Ipv4Cidr {
  const problem = cidrProblem(text);
  if (problem) throw new Error(`CIDR "${text}" ${problem}`);
  const match = CIDR_PATTERN.exec(text) as RegExpExecArray;
  return { base: octetsToInt(match.slice(1, 5).map(Number)), prefixLength: Number(match[5]) };
}

/** Formats a CIDR as dotted quad and prefix length. */
export function formatCidr(cidr: Ipv4Cidr): string {
  const b = cidr.base;
  return `${b >>> 24}.${(b >>> 16) & 255}.${(b >>> 8) & 255}.${b & 255}/${cidr.prefixLength}`;
}

/**
 * The `index`-th subnet of `parent` with `newBits` more prefix bits, like Terraform's `cidrsubnet`.
 * Throws when the subnet does not exist.
 */
export function subnetCidr(parent: string, newBits: number, index: number): string {
  const p = parseCidr(parent);
  const prefixLength = p.prefixLength + newBits;
  if (prefixLength > 32) throw new Error(`cannot add ${newBits} bits to ${parent}: prefix would exceed /32`);
  if (index < 0 || index >= 2 ** newBits) throw new Error(`${parent} has no subnet ${index} of /${prefixLength}`);
  const base = (p.base + index * 2 ** (32 - prefixLength)) >>> 0;
  return formatCidr({ base, prefixLength });
}

function octetsToInt(octets: number[]): number {
  return octets.reduce((acc, o) => acc * 256 + o, 0) >>> 0;
}

function hostMask(prefixLength: number): number {
  return prefixLength === 0 ? 0xffffffff : (2 ** (32 - prefixLength) - 1) >>> 0;
}
