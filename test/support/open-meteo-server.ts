// A local stand-in for an Open-Meteo server: each test says how it answers; every request is recorded. No test
// reaches the internet.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export type Answer =
  | { status: number; body: unknown }
  | { status: number; text: string }
  /** Never answers (the client's timeout must end the wait). */
  | { hang: true };

export interface FakeOpenMeteo {
  /** http://127.0.0.1:<port> */
  baseUrl: string;
  requests: URL[];
  /** How the next requests are answered; a function sees each request. */
  answer(answer: Answer | ((url: URL) => Answer)): void;
  close(): Promise<void>;
}

export async function startFakeOpenMeteo(initial: Answer = { status: 200, body: {} }): Promise<FakeOpenMeteo> {
  let answer: Answer | ((url: URL) => Answer) = initial;
  const requests: URL[] = [];
  const hanging = new Set<ServerResponse>();
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    requests.push(url);
    const a = typeof answer === 'function' ? answer(url) : answer;
    if ('hang' in a) {
      hanging.add(res);
      return;
    }
    const text = 'text' in a ? a.text : JSON.stringify(a.body);
    res.writeHead(a.status, { 'content-type': 'application/json; charset=utf-8' });
    res.end(text);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    baseUrl: `http://127.0.0.1:${port}`,
    requests,
    answer: (a) => {
      answer = a;
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const res of hanging) res.destroy();
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** A port nothing listens on: one a server just held and gave back. */
export async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}
