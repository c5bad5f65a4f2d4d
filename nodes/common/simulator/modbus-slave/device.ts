// What a simulated Modbus device offers to the transports: four data tables, any custom function codes, and
// per-device faults.

/** Modbus exception codes a device answers with. */
export const ExceptionCode = {
  illegalFunction: 1,
  illegalDataAddress: 2,
  illegalDataValue: 3,
  deviceFailure: 4,
} as const;

export type ExceptionCodeValue = (typeof ExceptionCode)[keyof typeof ExceptionCode];

/** Thrown by a device (or the PDU handler) to answer with a Modbus exception instead of data. */
export class ModbusException extends Error {
  constructor(readonly code: ExceptionCodeValue, message?: string) {
    super(message ?? `Modbus exception ${code}`);
    this.name = 'ModbusException';
  }
}

/** Misbehaviour a test can switch on for one device; the transports honour it. */
export interface DeviceFaults {
  /** Never answer, as a dead or unplugged device. */
  silent: boolean;
  /** Answer this many milliseconds late. */
  delayMs: number;
  /** Send the answer with a wrong CRC (RTU framing only; Modbus TCP carries no CRC). */
  corruptCrc: boolean;
}

export function noFaults(): DeviceFaults {
  return { silent: false, delayMs: 0, corruptCrc: false };
}

export type RegisterTableName = 'input' | 'holding';
export type BitTableName = 'coil' | 'discrete';

export interface ModbusDevice {
  readonly unitId: number;
  /**
   * A unit id the device answers besides its own, meant for a device alone on the bus: PZEM meters answer the
   * "general address" 0xF8 (devices-and-services.md 3.1). Several such devices all act on it and answer at once.
   */
  readonly generalUnitId?: number;
  readonly faults: DeviceFaults;
  /** Throws ModbusException for an address the device does not have. Words are 0..0xFFFF. */
  readRegisters(table: RegisterTableName, address: number, count: number): number[];
  /** Holding registers (FC6 arrives as a single-value write). */
  writeRegisters(address: number, values: number[]): void;
  readBits(table: BitTableName, address: number, count: number): boolean[];
  writeCoil(address: number, value: boolean): void;
  /**
   * A function code outside the standard ones (e.g. PZEM's 0x42 energy reset): gets the request's bytes after
   * the function code, returns the answer's bytes after it. Devices without it answer "illegal function".
   */
  customFunction?(functionCode: number, data: Buffer): Buffer;
}
