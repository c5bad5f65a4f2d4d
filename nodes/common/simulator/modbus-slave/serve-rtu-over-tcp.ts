// Raw RTU frames (with CRC, no MBAP header) over a TCP connection, as serial-to-Ethernet gateways pass them.
import { SlaveBus } from './bus';
import type { ModbusDevice } from './device';
import { rtuSession } from './rtu-session';
import { listenTcp, type TcpEndpoint, type TcpListenOptions } from '../tcp-listener';

export function serveRtuOverTcp(devices: readonly ModbusDevice[], options: TcpListenOptions = {}): Promise<TcpEndpoint> {
  const bus = new SlaveBus(devices);
  return listenTcp(
    options,
    (socket) => {
      const onData = rtuSession(bus, (frame) => {
        if (!socket.destroyed) socket.write(frame);
      });
      socket.on('data', onData);
    },
    () => bus.close(),
  );
}
