/**
 * Opens the link to a remote server in the transport its registry entry
 * names: Streamable HTTP (both protocol eras) unless `"type": "sse"`.
 *
 * @example
 *   const link = connectRemote({ url, headers, stderrBytes: 65536 }, { stdout, failRequest });
 */
import { StreamableHttpLink } from "./http-link.ts";
import type { RemoteCallbacks, RemoteLinkBase, RemoteSpec } from "./link-base.ts";
import { SseLink } from "./sse-link.ts";

export type { RemoteSpec } from "./link-base.ts";

export function connectRemote(spec: RemoteSpec, callbacks: RemoteCallbacks): RemoteLinkBase {
  return spec.transport === "sse" ? new SseLink(spec, callbacks) : new StreamableHttpLink(spec, callbacks);
}
