import { connect, createServer, type Server, type Socket } from 'node:net';

/**
 * A TCP pass-through to a real engine (Redis, PostgreSQL, …) that a test can cut and restore,
 * to see how a client behaves when the engine goes away and comes back — without stopping the
 * shared test server.
 */
export class TcpProxy {
  private server: Server | undefined;
  private readonly sockets = new Set<Socket>();

  private constructor(
    private readonly target: { host: string; port: number; protocol: string },
    public port: number,
  ) {}

  /** Starts a proxy on a free loopback port in front of the host and port of `engineUrl`. */
  static async start(engineUrl: string): Promise<TcpProxy> {
    const url = new URL(engineUrl);
    if (url.port === '') throw new Error(`TcpProxy: ${url.protocol}//${url.hostname} names no port`);
    const proxy = new TcpProxy({ host: url.hostname, port: Number(url.port), protocol: url.protocol }, 0);
    await proxy.resume();
    return proxy;
  }

  get url(): string {
    return `${this.target.protocol}//127.0.0.1:${this.port}`;
  }

  /** Drops every connection and stops listening: the engine is "down". */
  async cut(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    for (const socket of this.sockets) socket.destroy();
    this.sockets.clear();
    if (server !== undefined) await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  /** Listens again on the same port: the engine is "back". */
  async resume(): Promise<void> {
    const server = createServer((client) => {
      const upstream = connect(this.target.port, this.target.host);
      for (const socket of [client, upstream]) {
        this.sockets.add(socket);
        socket.on('error', () => {
          client.destroy();
          upstream.destroy();
        });
        socket.on('close', () => {
          this.sockets.delete(socket);
          client.destroy();
          upstream.destroy();
        });
      }
      client.pipe(upstream).pipe(client);
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.port, '127.0.0.1', () => resolve());
    });
    const address = server.address();
    if (address !== null && typeof address !== 'string') this.port = address.port;
    this.server = server;
  }
}
