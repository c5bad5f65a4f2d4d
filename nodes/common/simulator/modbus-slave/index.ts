// A Modbus slave for simulated devices: the device contract, the PDU handler, RTU framing and three transports.
export * from './device';
export * from '../../modbus/crc16';
export * from './pdu';
export * from './rtu-framer';
export * from './bus';
export { serveTcp } from './serve-tcp';
export { serveRtuOverTcp } from './serve-rtu-over-tcp';
export { servePty, type PtyEndpoint, type PtyOptions } from './serve-pty';
export type { TcpEndpoint, TcpListenOptions } from '../tcp-listener';
