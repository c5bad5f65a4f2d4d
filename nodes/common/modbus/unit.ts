// One device on a Modbus bus, as device engines see it: typed reads and writes, no transport details.

export interface ModbusUnit {
  readInputRegisters(address: number, count: number): Promise<number[]>;
  readHoldingRegisters(address: number, count: number): Promise<number[]>;
  readCoils(address: number, count: number): Promise<boolean[]>;
  readDiscreteInputs(address: number, count: number): Promise<boolean[]>;
  writeRegisters(address: number, values: number[]): Promise<void>;
  writeCoil(address: number, value: boolean): Promise<void>;
}
