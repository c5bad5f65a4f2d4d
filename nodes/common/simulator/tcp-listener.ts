// A TCP listener that remembers its connections so closing the server also ends them.
import { createServer, type Socket } from 'node:net';

export interface TcpEndpoint {
  readonly host: string;
  /** The port actually bound (the ephemeral one when 0 was asked for). */
  readonly port: number;
  close(): Promise<void>;
}

export interface TcpListenOptions {
  /** Default 127.0.0.1. */
  host?: string;
  /** Default 0: an ephemeral port, reported back. */
  port?: number;
}

export async function listenTcp(
  options: TcpListenOptions,
  onConnection: (socket: Socket) => void,
  onClose: () => void,
): Promise<TcpEndpoint> {
  const host = options.host ?? '127.0.0.1';
  const sockets = new Set<Socket>();
  const server = createServer((socket) => {
    sockets.add(socket);
    socket.setNoDelay(true);
    socket.on('close', () => sockets.delete(socket));
    // A client that vanishes must not take the server down.
    socket.on('error', () => socket.destroy());
    onConnection(socket);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address();
  const port = typeof address === 'object' && address !== null ? address.port : (options.port ?? 0);
  let closing: Promise<void> | undefined;
  return {
    host,
    port,
    close() {
      closing ??= new Promise<void>((resolve) => {
        onClose();
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      });
      return closing;
    },
  };
}
