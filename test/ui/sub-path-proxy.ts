/**
 * A reverse proxy for the console's tests that serves the station under a
 * sub-path (/station/…), as nginx's `location /station/ { proxy_pass …/; }`
 * would: the prefix is stripped, the browser's Host is passed on
 * (`proxy_set_header Host $host`), and WebSocket upgrades are bridged with
 * their subprotocols and Origin.
 */
import type { ServerWebSocket } from "bun";

interface Bridge {
  path: string;
  protocols: string[];
  headers: Record<string, string>;
  upstream?: WebSocket;
  queued: (string | Buffer)[];
}

export function startSubPathProxy(upstream: string, prefix = "/station") {
  const server = Bun.serve<Bridge>({
    hostname: "127.0.0.1",
    port: 0,
    async fetch(request, server) {
      const url = new URL(request.url);
      if (!url.pathname.startsWith(`${prefix}/`)) return new Response("outside the proxied prefix", { status: 404 });
      const path = url.pathname.slice(prefix.length) + url.search;
      const passed: Record<string, string> = { host: request.headers.get("host") ?? "" };
      const origin = request.headers.get("origin");
      if (origin) passed.origin = origin;
      if (request.headers.get("upgrade")?.toLowerCase() === "websocket") {
        const protocols = (request.headers.get("sec-websocket-protocol") ?? "")
          .split(",")
          .map((p) => p.trim())
          .filter(Boolean);
        const upgraded = server.upgrade(request, {
          data: { path, protocols, headers: passed, queued: [] },
          headers: protocols[0] ? { "sec-websocket-protocol": protocols[0] } : undefined,
        });
        return upgraded ? undefined : new Response("upgrade failed", { status: 400 });
      }
      const headers = new Headers(request.headers);
      for (const [name, value] of Object.entries(passed)) headers.set(name, value);
      const answer = await fetch(upstream + path, {
        method: request.method,
        headers,
        body: request.method === "GET" || request.method === "HEAD" ? undefined : await request.arrayBuffer(),
        redirect: "manual",
      });
      // Streamed through as it comes: the SSE stream must not be buffered.
      return new Response(answer.body, { status: answer.status, headers: answer.headers });
    },
    websocket: {
      open(ws: ServerWebSocket<Bridge>) {
        const target = `${upstream.replace(/^http/, "ws")}${ws.data.path}`;
        const up = new WebSocket(target, { protocols: ws.data.protocols, headers: ws.data.headers } as unknown as string[]);
        ws.data.upstream = up;
        up.onopen = () => {
          for (const message of ws.data.queued.splice(0)) up.send(message);
        };
        up.onmessage = (event) => ws.send(event.data as string);
        up.onclose = (event) => ws.close(event.code === 1005 || event.code === 1006 ? 1011 : event.code, event.reason);
      },
      message(ws, message) {
        const up = ws.data.upstream;
        if (up?.readyState === WebSocket.OPEN) up.send(message);
        else ws.data.queued.push(message);
      },
      close(ws) {
        ws.data.upstream?.close();
      },
    },
  });
  return { url: `http://127.0.0.1:${server.port}${prefix}`, stop: () => server.stop(true) };
}
