const BUCKET_PATTERN = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;
const IPV4_PATTERN = /^\d{1,3}(\.\d{1,3}){3}$/;
const RESERVED_PREFIXES = ["xn--", "sthree-", "amzn-s3-demo-"];
const RESERVED_SUFFIXES = ["-s3alias", "--ol-s3", ".mrap", "--x-s3", "--table-s3"];

/**
 * Why `name` is not a valid S3 general-purpose bucket name, or undefined when it is.
 * Rules: 3-63 characters of a-z, 0-9, `.` and `-`, starting and ending with a letter or digit, no
 * `..`, not shaped like an IPv4 address, none of the reserved prefixes and suffixes.
 */
export function bucketNameProblem(name: string): string | undefined {
  if (name.length < 3 || name.length > 63) return "must be 3-63 characters long";
  if (!BUCKET_PATTERN.test(name)) return "may hold only a-z, 0-9, '.' and '-', and must start and end with a letter or digit";
  if (name.includes("..")) return "must not contain '..'";
  if (IPV4_PATTERN.test(name)) return "must not be formatted as an IP address";
  for (const prefix of RESERVED_PREFIXES) if (name.startsWith(prefix)) return `must not start with the reserved prefix '${prefix}'`;
  for (const suffix of RESERVED_SUFFIXES) if (name.endsWith(suffix)) return `must not end with the reserved suffix '${suffix}'`;
  return undefined;
}
