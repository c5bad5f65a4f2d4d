// One RTU byte stream (a TCP connection to a gateway, or a serial line) in front of a bus of devices:
// requests are answered one at a time, in order, as on a half-duplex RS-485 line.
import type { SlaveBus } from './bus';
import { RtuFramer, encodeRtuFrame } from './rtu-framer';

/** Returns the handler for received bytes; answers go to `write`. */
export function rtuSession(bus: SlaveBus, write: (frame: Buffer) => void): (chunk: Buffer) => void {
  const framer = new RtuFramer();
  let queue: Promise<void> = Promise.resolve();
  return (chunk) => {
    for (const request of framer.push(chunk)) {
      queue = queue.then(() =>
        bus.request(request.unitId, request.pdu, (reply) => write(encodeRtuFrame(reply.unitId, reply.pdu, reply.corruptCrc))),
      );
    }
  };
}
