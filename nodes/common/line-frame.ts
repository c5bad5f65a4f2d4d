// How a serial line frames each byte, and so how long one byte takes on the wire.

export type Parity = 'none' | 'even' | 'odd';

export interface LineFrame {
  baudRate: number;
  dataBits: 7 | 8;
  parity: Parity;
  stopBits: 1 | 2;
}

/** 115200 8N1, the Epever default. */
export const DEFAULT_FRAME: LineFrame = { baudRate: 115200, dataBits: 8, parity: 'none', stopBits: 1 };

/** One character on the wire: a start bit, the data bits, the parity bit if any, the stop bits. */
export function characterMs(frame: LineFrame): number {
  const bits = 1 + frame.dataBits + (frame.parity === 'none' ? 0 : 1) + frame.stopBits;
  return (bits * 1000) / frame.baudRate;
}
