/**
 * Is a client local? Protected mode serves only loopback clients when no
 * credential is configured, as Redis does. Pure, so it is tested directly.
 *
 * @example
 *   isLoopbackAddress("127.0.0.1")        // true
 *   isLoopbackAddress("::ffff:127.0.0.5") // true (IPv4-mapped)
 *   isLoopbackAddress("10.0.0.2")         // false
 *   isLoopbackAddress(undefined)          // false: an unknown peer is not trusted
 */

// Asked for every request with the same few peer addresses: remember the last answer (bench/: 3% of a request).
let lastAddress: string | undefined;
let lastAnswer = false;

export function isLoopbackAddress(address: string | null | undefined): boolean {
  if (!address) return false;
  if (address === lastAddress) return lastAnswer;
  lastAnswer = classifyLoopback(address);
  lastAddress = address;
  return lastAnswer;
}

function classifyLoopback(address: string): boolean {
  const ip = address
    .trim()
    .toLowerCase()
    .replace(/^\[|\]$/g, "")
    .replace(/%.*$/, "");
  if (ip === "::1" || ip === "0:0:0:0:0:0:0:1") return true;
  // An IPv4 address on a dual-stack socket arrives as ::ffff:a.b.c.d.
  const v4 = ip.startsWith("::ffff:") ? ip.slice(7) : ip;
  const parts = v4.split(".");
  if (parts.length !== 4 || !parts.every((part) => /^\d{1,3}$/.test(part) && Number(part) <= 255)) return false;
  return parts[0] === "127";
}

/** Host names that mean this machine, for the Host check of a loopback-bound station. */
export function isLoopbackHost(hostHeader: string | null | undefined): boolean {
  if (!hostHeader) return false;
  const host = hostHeader.trim().toLowerCase();
  // A bare IPv6 address (MCP_STATION_HOST=::1) has several colons and no port: classify it before stripping one.
  if (!host.startsWith("[") && host.indexOf(":") !== host.lastIndexOf(":")) return classifyLoopback(host);
  // Strip the port: "[::1]:20100", "localhost:20100", "127.0.0.1".
  const name = host.startsWith("[") ? host.slice(0, host.indexOf("]") + 1) : host.replace(/:\d+$/, "");
  return name === "localhost" || name.endsWith(".localhost") || isLoopbackAddress(name);
}
