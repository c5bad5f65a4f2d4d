// The demo's history: before Node-RED starts, the embedded TimescaleDB gets the past days of readings of every
// simulated device that an example stores with timescale-out, so the 24 h, 7 d and 30 d charts and the REST
// endpoints have data from the first minute. Each device is a simulator of its own, run over those days on the
// same plant and day models as the live one, polled by the device node's own controller (the payload the node
// sends), turned into rows by timescale-out's row code and written by its writer, into the table, columns and
// aggregates the example's timescale-out node makes.
import { readingMessage } from '../../nodes/common/device-config';
import type { ModbusUnit } from '../../nodes/common/modbus/unit';
import type { RegisterImageDevice } from '../../nodes/common/simulator/register-image-device';
import { EpeverController } from '../../nodes/epever-tracer/controller';
import { parseEpeverConfig } from '../../nodes/epever-tracer/node-config';
import { EpeverSimulator } from '../../nodes/epever-tracer/simulator';
import { Pi30Controller } from '../../nodes/mpp-pi30/controller';
import { parsePi30Config } from '../../nodes/mpp-pi30/node-config';
import { exchangeThrough } from '../../nodes/mpp-pi30/protocol/exchange';
import { Pi30Simulator } from '../../nodes/mpp-pi30/simulator/inverter';
import { Database } from '../../nodes/timescale-db/database';
import { parseDbSettings } from '../../nodes/timescale-db/db-config';
import { DbWriter } from '../../nodes/timescale-out/db-writer';
import { parseOutSettings } from '../../nodes/timescale-out/out-config';
import { flattenReading, type FlatRow, type ReadingMessage } from '../../nodes/timescale-out/row-flatten';
import { TableManager } from '../../nodes/timescale-out/tables';
import type { FlowNode } from './flow';

export const HISTORY_DAYS = 30;
export const HISTORY_STEP_MS = 5 * 60_000;
/**
 * The most row text one INSERT carries. pglite-socket hands each TCP read to PGlite as one whole protocol
 * message, so a statement longer than one read (64 KiB) reaches it cut in two and stops the database.
 */
const BATCH_TEXT_BYTES = 40_000;

export interface HistoryOptions {
  /** The wall-clock moment the history ends at (exclusive): the demo's start. */
  endMs: number;
  /** Simulated time minus wall time at the start: the live simulators' offset, so the history joins the live day. */
  offsetMs: number;
  days?: number;
  stepMs?: number;
}

export interface HistoryLog {
  info(text: string): void;
  warn(text: string): void;
}

export interface StoredHistory {
  table: string;
  device: string;
  rows: number;
  days: number;
}

export interface HistoryReport {
  stored: StoredHistory[];
  ms: number;
}

/** One simulated device, polled at a simulated moment; the payload is stamped with the wall time given. */
type Poll = (wall: Date) => Promise<ReadingMessage>;

/** A device a simulator of the demo stands in for, from its node's settings; undefined for other node types. */
type SourceFactory = (node: FlowNode, simulated: () => Date) => { device: string; poll: Poll } | undefined;

/** A Modbus unit that is the simulated device itself, read in process: the register image the simulator serves. */
function unitOf(device: RegisterImageDevice): ModbusUnit {
  const refuse = () => Promise.reject(new Error('the history is read only'));
  return {
    readInputRegisters: async (address, count) => device.readRegisters('input', address, count),
    readHoldingRegisters: async (address, count) => device.readRegisters('holding', address, count),
    readCoils: async (address, count) => device.readBits('coil', address, count),
    readDiscreteInputs: async (address, count) => device.readBits('discrete', address, count),
    writeRegisters: refuse,
    writeRegister: refuse,
    writeCoil: refuse,
    customFunction: refuse,
  };
}

// The devices whose stored history a page or endpoint of the examples reads: the Epever (Solar page, Wyandata
// REST) and the inverter (Charts page, /api/historical). Nothing reads the PZEM meters' past rows, and writing
// them tripled the start-up time.
const SOURCES: Readonly<Record<string, SourceFactory>> = {
  'epever-tracer': (node, simulated) => {
    const config = parseEpeverConfig(node);
    // As startSimulator makes the live one: the default plant, at speed 1 on the history's clock.
    let wallNow = new Date(0);
    const simulator = new EpeverSimulator({ unitId: config.unitId, now: simulated });
    const controller = new EpeverController(unitOf(simulator), { ...config, allowWrites: false, now: () => wallNow });
    return {
      device: config.deviceId,
      poll: async (wall) => {
        wallNow = wall;
        return readingMessage(config, await controller.poll());
      },
    };
  },
  'mpp-pi30': (node, simulated) => {
    const config = parsePi30Config(node);
    const inverter = new Pi30Simulator({ now: simulated });
    let wallNow = new Date(0);
    const controller = new Pi30Controller(
      exchangeThrough((op) => op({ exchange: async (request) => inverter.answerFrame(request) })),
      { queries: config.queries, allowWrites: false, variant: config.variant, now: () => wallNow },
    );
    const device = () => (config.deviceIdSet ? config.deviceId : controller.serialNumber || config.deviceId);
    return {
      device: config.deviceId,
      poll: async (wall) => {
        wallNow = wall;
        const reading = await controller.poll();
        return readingMessage(config, reading.payload, device());
      },
    };
  },
};

/** About what a row adds to an INSERT of arrays: each value as text, quoted when a string, and a comma. */
function textBytes(row: FlatRow): number {
  let bytes = row.time.length + row.device.length + 6;
  for (const value of Object.values(row.fields)) bytes += (typeof value === 'string' ? JSON.stringify(value) : String(value)).length + 3;
  return bytes;
}

interface Store {
  out: FlowNode;
  sources: FlowNode[];
}

const enabled = (n: FlowNode) => n.d !== true;

/** The timescale-out nodes of the flow that simulated devices feed directly, with those devices. */
export function storesOf(flow: readonly FlowNode[]): Store[] {
  const stores: Store[] = [];
  for (const out of flow.filter((n) => n.type === 'timescale-out' && enabled(n))) {
    const sources = flow.filter(
      (n) => enabled(n) && n.type in SOURCES && Array.isArray(n.wires) && (n.wires as unknown[][]).some((port) => port.includes(out.id)),
    );
    if (sources.length > 0) stores.push({ out, sources });
  }
  return stores;
}

/**
 * Writes the history of every store of `flow` into the database its timescale-out node names: what the node
 * would have written over those days. A node's retention and an example's own clean-up act on the rows later,
 * as they would on the rows of a real month (the embedded TimescaleDB runs no background jobs).
 */
export async function writeHistory(flow: readonly FlowNode[], options: HistoryOptions, log: HistoryLog): Promise<HistoryReport> {
  const started = Date.now();
  const days = options.days ?? HISTORY_DAYS;
  const stepMs = options.stepMs ?? HISTORY_STEP_MS;
  const stored: StoredHistory[] = [];
  const databases = new Map<string, Database>();
  const seen = new Set<string>();
  try {
    for (const { out, sources } of storesOf(flow)) {
      const dbNode = flow.find((n) => n.id === out.database);
      if (!dbNode) continue;
      let database = databases.get(dbNode.id);
      if (!database) {
        database = new Database(parseDbSettings(dbNode, { password: '' }));
        database.on('idle-error', () => undefined);
        databases.set(dbNode.id, database);
      }
      const settings = parseOutSettings(out);
      const tables = new TableManager({ schema: settings.schema, deviceColumn: settings.deviceColumn, policy: settings.policy }, log);
      const writer = new DbWriter(database, tables, settings.schema, settings.deviceColumn, log);
      const steps = Math.floor((days * 86_400_000) / stepMs);
      const first = options.endMs - steps * stepMs;
      const defaults = { table: settings.table, device: settings.device, deviceColumn: settings.deviceColumn };
      const written = new Set<string>();
      for (const node of sources) {
        let simulatedMs = first + options.offsetMs;
        const source = SOURCES[node.type](node, () => new Date(simulatedMs));
        if (!source) continue;
        let rows: FlatRow[] = [];
        let bytes = 0;
        let last: FlatRow | undefined;
        let count = 0;
        const flush = async () => {
          if (rows.length === 0) return;
          const outcome = await writer.write(rows, 'live');
          count += outcome.inserted;
          for (const { error } of outcome.rejected.slice(0, 1)) log.warn(`history of ${source.device}: ${error.message}`);
          rows = [];
          bytes = 0;
        };
        for (let i = 0; i < steps; i++) {
          const wall = first + i * stepMs;
          simulatedMs = wall + options.offsetMs;
          const row = flattenReading(await source.poll(new Date(wall)), defaults, wall);
          const key = `${row.table}\u0000${row.device}`;
          // Two nodes of the joined flow for one device (an example and its dashboard twin): one history.
          if (i === 0 && seen.has(key)) break;
          seen.add(key);
          const size = textBytes(row);
          if (bytes + size > BATCH_TEXT_BYTES) await flush();
          last = row;
          rows.push(row);
          bytes += size;
        }
        await flush();
        if (last && count > 0) {
          stored.push({ table: last.table, device: last.device, rows: count, days });
          written.add(last.table);
        }
      }
      // The aggregate views the charts read are materialised by a policy later; the history is wanted now.
      for (const table of written) await tables.refresh(database.pool, table, null, null);
    }
  } finally {
    for (const database of databases.values()) await database.shutdown(0);
  }
  return { stored, ms: Date.now() - started };
}
