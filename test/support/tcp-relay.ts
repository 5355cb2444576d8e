/**
 * A TCP relay in front of a server (PostgreSQL for one cluster node, a remote
 * MCP server for a station), which a test can cut: cut() breaks every
 * connection through it and lets new ones through (a network blip), stop()
 * breaks them and refuses new ones (the node is cut off), start() lets
 * connections through again on the same port.
 *
 * @example
 *   const relay = await TcpRelay.open("127.0.0.1", 5432);
 *   relay.stop(); ... relay.start();
 */
import type { Socket, TCPSocketListener } from "bun";

interface Pair {
  client: Socket<Pair>;
  upstream?: Socket<Pair>;
  pending: Uint8Array[];
}

export class TcpRelay {
  private listener: TCPSocketListener<Pair> | undefined;
  private readonly pairs = new Set<Pair>();
  port = 0;

  private constructor(
    private readonly host: string,
    private readonly targetPort: number,
  ) {}

  static async open(host: string, targetPort: number): Promise<TcpRelay> {
    const relay = new TcpRelay(host, targetPort);
    relay.start();
    return relay;
  }

  start(): void {
    const relay = this;
    this.listener = Bun.listen<Pair>({
      hostname: "127.0.0.1",
      port: this.port,
      socket: {
        open(client) {
          const pair: Pair = { client, pending: [] };
          client.data = pair;
          relay.pairs.add(pair);
          void Bun.connect<Pair>({
            hostname: relay.host,
            port: relay.targetPort,
            socket: {
              open(upstream) {
                upstream.data = pair;
                pair.upstream = upstream;
                for (const chunk of pair.pending) upstream.write(chunk);
                pair.pending = [];
              },
              data(_, chunk) {
                pair.client.write(chunk);
              },
              close() {
                relay.drop(pair);
              },
              error() {
                relay.drop(pair);
              },
            },
          }).catch(() => relay.drop(pair));
        },
        data(client, chunk) {
          const pair = client.data;
          if (pair.upstream) pair.upstream.write(chunk);
          else pair.pending.push(new Uint8Array(chunk));
        },
        close(client) {
          relay.drop(client.data);
        },
        error(client) {
          relay.drop(client.data);
        },
      },
    });
    this.port = this.listener.port;
  }

  private drop(pair: Pair | undefined): void {
    if (!pair || !this.pairs.delete(pair)) return;
    pair.client.end();
    pair.upstream?.end();
  }

  /** Cuts every connection and refuses new ones until start(). */
  stop(): void {
    this.listener?.stop(true);
    this.listener = undefined;
    this.cut();
  }

  /** Breaks every connection open now (both sides see it reset); new ones still get through. */
  cut(): void {
    for (const pair of [...this.pairs]) {
      this.pairs.delete(pair);
      pair.client.terminate();
      pair.upstream?.terminate();
    }
  }
}
