// The PZEM models one node can be set to, and what differs between them: DC or AC map, framing, shunt.
// Framing: PZEM-003/017 9600 8N2 (PZEM-003/017 user manual; ESPHome pzemdc docs `stop_bits: 2`);
// PZEM-004T v3 and PZEM-014/016 9600 8N1 (PZEM-004T V3.0 datasheet; pzem-edl README: 014/016 speak 004T's protocol).
export const MODELS = ['PZEM-017', 'PZEM-003', 'PZEM-004T', 'PZEM-014/016'] as const;
export type PzemModel = (typeof MODELS)[number];

export interface Framing {
  baudRate: number;
  dataBits: 8;
  parity: 'none';
  stopBits: 1 | 2;
}

export interface ModelInfo {
  kind: 'dc' | 'ac';
  framing: Framing;
  /** PZEM-017 only: the external shunt's current range is a register. */
  shunt: boolean;
}

export const MODEL_INFO: Readonly<Record<PzemModel, ModelInfo>> = {
  'PZEM-017': { kind: 'dc', framing: { baudRate: 9600, dataBits: 8, parity: 'none', stopBits: 2 }, shunt: true },
  'PZEM-003': { kind: 'dc', framing: { baudRate: 9600, dataBits: 8, parity: 'none', stopBits: 2 }, shunt: false },
  'PZEM-004T': { kind: 'ac', framing: { baudRate: 9600, dataBits: 8, parity: 'none', stopBits: 1 }, shunt: false },
  'PZEM-014/016': { kind: 'ac', framing: { baudRate: 9600, dataBits: 8, parity: 'none', stopBits: 1 }, shunt: false },
};

/** Why a serial bus's framing will not reach this model, or undefined when it matches. */
export function framingMismatch(model: PzemModel, bus: { baudRate: number; dataBits: number; parity: string; stopBits: number }): string | undefined {
  const want = MODEL_INFO[model].framing;
  if (bus.baudRate === want.baudRate && bus.dataBits === want.dataBits && bus.parity === want.parity && bus.stopBits === want.stopBits)
    return undefined;
  const said = (f: { baudRate: number; dataBits: number; parity: string; stopBits: number }) =>
    `${f.baudRate} ${f.dataBits}${f.parity[0].toUpperCase()}${f.stopBits}`;
  return `${model} speaks ${said(want)}, the bus is set to ${said(bus)}`;
}
