// An MQTT broker for tests: the one MQTT_URL names, or aedes on an ephemeral loopback port.
import { once } from 'node:events';
import { createServer } from 'node:net';

export interface TestBroker {
  /** mqtt://host:port (with credentials when MQTT_URL carries them). */
  url: string;
  close(): Promise<void>;
}

export async function startBroker(): Promise<TestBroker> {
  const given = process.env.MQTT_URL;
  if (given) return { url: given, close: async () => {} };

  // aedes is ESM-only; module node16 keeps this a real import() in our CommonJS output.
  const { Aedes } = await import('aedes');
  const broker = await Aedes.createBroker();
  const server = createServer(broker.handle);
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const address = server.address();
  if (typeof address !== 'object' || address === null) throw new Error('the MQTT test broker has no TCP address');
  return {
    url: `mqtt://127.0.0.1:${address.port}`,
    close: async () => {
      // aedes ends its clients' connections, which server.close() would otherwise wait for.
      await new Promise<void>((resolve) => broker.close(() => resolve()));
      await new Promise<void>((resolve, reject) => server.close((err) => (err ? reject(err) : resolve())));
    },
  };
}
