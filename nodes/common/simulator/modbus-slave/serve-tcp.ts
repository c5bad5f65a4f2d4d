// Modbus TCP: each request and answer carries a 7-byte MBAP header (transaction id, protocol 0, length, unit).
import type { Socket } from 'node:net';
import { SlaveBus } from './bus';
import type { ModbusDevice } from './device';
import { listenTcp, type TcpEndpoint, type TcpListenOptions } from '../tcp-listener';

const MBAP_LENGTH = 7;
/** Unit id + the longest PDU. */
const MAX_MBAP_BODY = 254;

export function serveTcp(devices: readonly ModbusDevice[], options: TcpListenOptions = {}): Promise<TcpEndpoint> {
  const bus = new SlaveBus(devices);
  return listenTcp(options, (socket) => mbapSession(bus, socket), () => bus.close());
}

function mbapSession(bus: SlaveBus, socket: Socket): void {
  let buffer = Buffer.alloc(0);
  let queue: Promise<void> = Promise.resolve();
  socket.on('data', (chunk: Buffer) => {
    buffer = Buffer.concat([buffer, chunk]);
    while (buffer.length >= MBAP_LENGTH) {
      const transactionId = buffer.readUInt16BE(0);
      const protocolId = buffer.readUInt16BE(2);
      const length = buffer.readUInt16BE(4);
      if (protocolId !== 0 || length < 2 || length > MAX_MBAP_BODY) {
        // Not Modbus TCP: there is no way back into step, so end the connection as servers do.
        socket.destroy();
        return;
      }
      if (buffer.length < 6 + length) break;
      const unitId = buffer[6];
      const pdu = Buffer.from(buffer.subarray(MBAP_LENGTH, 6 + length));
      buffer = buffer.subarray(6 + length);
      queue = queue.then(() =>
        bus.request(unitId, pdu, (reply) => {
          if (socket.destroyed) return;
          const header = Buffer.alloc(MBAP_LENGTH);
          header.writeUInt16BE(transactionId, 0);
          header.writeUInt16BE(0, 2);
          header.writeUInt16BE(reply.pdu.length + 1, 4);
          header[6] = reply.unitId;
          socket.write(Buffer.concat([header, reply.pdu]));
        }),
      );
    }
  });
}
