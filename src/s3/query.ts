import { fail } from "../errors";
import { decodeOnce } from "./encoding";

/** A request's query: decoded names to decoded values (`""` for a bare `?uploads`). */
export type Query = ReadonlyMap<string, string>;

/**
 * Parses a raw query string (without `?`). Values are percent-decoded once (`+` is kept literally:
 * SDKs encode spaces as %20, and the upstream query is rebuilt from what was judged).
 * A repeated parameter is 400 InvalidURI: S3 and this gateway might otherwise read different copies.
 * So is a name spelled with a percent-escape (`?%64elete`): S3 decodes names (that is DeleteObjects),
 * but Envoy's routes match names as sent (source/common/router/config_impl.cc reads the query with
 * `parseQueryString`, which does not decode), so the DeleteObjects route would not buffer its body and
 * the 501 routes would not answer. No client escapes a parameter name: S3's names, and the header
 * names hoisted into a query, are letters, digits and `-`, which need no escape.
 */
export function parseQuery(raw: string): Query {
  const query = new Map<string, string>();
  if (raw === "") return query;
  for (const part of raw.split("&")) {
    if (part === "") continue;
    const eq = part.indexOf("=");
    const rawName = eq < 0 ? part : part.slice(0, eq);
    const name = decodeOnce(rawName, `query parameter name '${rawName}'`);
    if (name !== rawName) fail("InvalidURI", `query parameter name '${rawName}' is percent-encoded; send it as '${name}'`);
    const value = eq < 0 ? "" : decodeOnce(part.slice(eq + 1), `query parameter '${name}'`);
    if (query.has(name)) fail("InvalidURI", `query parameter '${name}' appears more than once; send it once`);
    query.set(name, value);
  }
  return query;
}
