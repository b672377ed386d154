import { fail } from "../errors";
import { decodeOnce } from "./encoding";

/** A request's query: decoded names to decoded values (`""` for a bare `?uploads`). */
export type Query = ReadonlyMap<string, string>;

/**
 * Parses a raw query string (without `?`). Names and values are percent-decoded once (`+` is kept
 * literally: SDKs encode spaces as %20, and the upstream query is rebuilt from what was judged).
 * A repeated parameter is 400 InvalidURI: S3 and this gateway might otherwise read different copies.
 */
export function parseQuery(raw: string): Query {
  const query = new Map<string, string>();
  if (raw === "") return query;
  for (const part of raw.split("&")) {
    if (part === "") continue;
    const eq = part.indexOf("=");
    const rawName = eq < 0 ? part : part.slice(0, eq);
    const name = decodeOnce(rawName, `query parameter name '${rawName}'`);
    const value = eq < 0 ? "" : decodeOnce(part.slice(eq + 1), `query parameter '${name}'`);
    if (query.has(name)) fail("InvalidURI", `query parameter '${name}' appears more than once; send it once`);
    query.set(name, value);
  }
  return query;
}
