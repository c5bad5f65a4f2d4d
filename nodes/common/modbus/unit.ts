// One device on a Modbus bus, as device engines see it: typed reads and writes, no transport details.

export interface ModbusUnit {
  readInputRegisters(address: number, count: number): Promise<number[]>;
  readHoldingRegisters(address: number, count: number): Promise<number[]>;
  readCoils(address: number, count: number): Promise<boolean[]>;
  readDiscreteInputs(address: number, count: number): Promise<boolean[]>;
  /** FC16. */
  writeRegisters(address: number, values: number[]): Promise<void>;
  /** FC6, for devices that take one register at a time (PZEM meters have no FC16). */
  writeRegister(address: number, value: number): Promise<void>;
  writeCoil(address: number, value: boolean): Promise<void>;
  /**
   * A function code outside the standard set (PZEM's 0x42 energy reset): sends `data` after the function code
   * and resolves with the answer's bytes after it; an exception answer rejects as a refusal.
   */
  customFunction(functionCode: number, data: readonly number[]): Promise<Buffer>;
}
