/**
 * Browser protection. A web page can make a browser send requests to a
 * station on localhost (CSRF), or rebind its own DNS name to 127.0.0.1 and
 * read the answers (DNS rebinding: the MCP Inspector's CVE-2025-49596). Both
 * carry the page's Origin or Host, which a legitimate client does not.
 *
 * A page the station serves itself (the console, /ui) calls it from its own
 * origin: an Origin naming the very Host the request was sent to is allowed.
 * That admits no foreign page: a rebinding page's Host is its own name, which
 * the Host check refuses where the station trusts callers by location, and
 * elsewhere a credential is needed that the foreign page does not have (the
 * station sets no cookies, so a browser attaches nothing by itself).
 *
 * @example
 *   checkBrowserHeaders(headers, { allowedOrigins: [], allowedHosts: [], checkHost: true }, (e) => e)
 */
import { Forbidden } from "../errors.ts";
import { isLoopbackHost } from "../security/client-address.ts";

export interface BrowserRules {
  /** Origins allowed to call; "*" allows any. Empty: no request that carries an Origin is served. */
  allowedOrigins: string[];
  /** Host names accepted besides loopback names when the Host is checked. */
  allowedHosts: string[];
  checkHost: boolean;
}

export function checkBrowserHeaders(headers: Headers, rules: BrowserRules, report: (error: Forbidden) => Forbidden): void {
  const origin = headers.get("origin");
  if (origin !== null && !rules.allowedOrigins.includes("*") && !rules.allowedOrigins.includes(origin) && !sameOrigin(origin, headers)) {
    throw report(new Forbidden("this Origin is not allowed (MCP_STATION_ALLOWED_ORIGINS)"));
  }
  if (rules.checkHost) {
    const host = headers.get("host");
    const name = host?.toLowerCase().replace(/:\d+$/, "");
    if (!isLoopbackHost(host) && !(name !== undefined && rules.allowedHosts.includes(name))) {
      throw report(new Forbidden("this Host is not allowed for a local station (MCP_STATION_ALLOWED_HOSTS)"));
    }
  }
}

/** Whether `origin` is the origin of the station as this request addressed it (its Host). */
function sameOrigin(origin: string, headers: Headers): boolean {
  const host = headers.get("host");
  if (!host) return false;
  try {
    return new URL(origin).host === host.toLowerCase();
  } catch {
    return false;
  }
}
