// The engine behind the node: remembers each device it has seen (its type, fields, last state, availability)
// and turns readings, Home Assistant's birth, device failures, commands and clean-ups into MQTT messages.
// No Node-RED here; the adapter (ha-discovery.ts) routes the input messages to these methods.
import type { FieldValue, Reading } from '../common/reading';
import { hintFor, type ControlDescriptor, type DeviceDescriptor } from './descriptor';
import { commandResultEntity, COMMAND_RESULT, controlEntity, fieldEntity, instanceEntity, type Config, type EntityPlan } from './entity-config';
import { guessHint } from './fallback';
import { COMPONENTS } from './platform-schema';
import { availabilityTopic, discoveryTopic, fieldTopic, parseCommandTopic, stateTopic, topicId, type TopicLayout } from './topics';

export type Qos = 0 | 1 | 2;

export interface BridgeOptions extends TopicLayout {
  /** Publish Home Assistant discovery configs (off: plain MQTT only). */
  readonly discovery: boolean;
  /** Also publish each field on `<base>/<device>/<field>`. */
  readonly plainFields: boolean;
  /** Offer the device's controls (switch, select) to Home Assistant. */
  readonly controls: boolean;
  readonly expireAfterS: number;
  readonly qos: Qos;
  /** The Node-RED instance's key: its device's identifier and name. */
  readonly instance: string;
}

/** What a core `mqtt out` node publishes: topic, payload, retain and qos from the message. */
export interface MqttMessage {
  topic: string;
  payload: string;
  retain: boolean;
  qos: Qos;
}

/** Which command a device node's reply or failure answers: ha-discovery puts it on the command message. */
export interface ControlTag {
  device: string;
  control: string;
  value: string;
}

/** A command for a device node: its documented command message, plus where the reply belongs. */
export interface DeviceCommandMessage {
  /** The device's reading topic (`<type>/<device>`), for a switch node that picks the device node. */
  topic: string;
  device: string;
  command: string;
  payload: unknown;
  haControl: ControlTag;
}

export class BridgeError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'BridgeError';
  }
}

interface DeviceRecord {
  readonly key: string;
  readonly type: string;
  /** The topic its readings came on. */
  topic: string;
  readonly descriptor: DeviceDescriptor | undefined;
  /** Entities by discovery topic. */
  readonly entities: Map<string, EntityPlan>;
  /** Fields already looked at (an entity or a skip). */
  readonly fields: Set<string>;
  readonly state: Record<string, FieldValue>;
  online: boolean;
  deviceBlock: Config;
  controlsAdded: boolean;
}

const PLAIN = (value: FieldValue): string => (typeof value === 'object' ? JSON.stringify(value) : String(value));

export class DiscoveryBridge {
  private readonly devices = new Map<string, DeviceRecord>();
  private instanceAnnounced = false;

  constructor(
    private readonly options: BridgeOptions,
    private readonly descriptorOf: (type: string) => DeviceDescriptor | undefined,
  ) {}

  /** Devices seen since the start, by key. */
  deviceKeys(): string[] {
    return [...this.devices.keys()];
  }

  devicesOfType(type: string): string[] {
    return [...this.devices.values()].filter((d) => d.type === type).map((d) => d.key);
  }

  /**
   * A reading: configs for a new device or new fields (or all of them when the device block changed), the state
   * JSON, plain fields, and `online` when the device was not.
   */
  reading(reading: Reading, type: string, topic: string): MqttMessage[] {
    const out: MqttMessage[] = [];
    const key = reading.device;
    topicId(key);
    let record = this.devices.get(key);
    if (!record) {
      record = {
        key,
        type,
        topic,
        descriptor: this.descriptorOf(type),
        entities: new Map(),
        fields: new Set(),
        state: {},
        online: false,
        deviceBlock: {},
        controlsAdded: false,
      };
      this.devices.set(key, record);
    }
    record.topic = topic;
    for (const [field, value] of reading.fields) record.state[field] = value;
    record.state.timestamp = new Date(reading.time).toISOString();

    if (this.options.discovery) {
      if (!this.instanceAnnounced) out.push(...this.instanceConfig());
      const block = this.deviceBlock(record);
      const blockChanged = JSON.stringify(block) !== JSON.stringify(record.deviceBlock);
      record.deviceBlock = block;
      const fresh: EntityPlan[] = [];
      for (const [field, value] of reading.fields) {
        if (record.fields.has(field)) continue;
        record.fields.add(field);
        const plan = fieldEntity(this.context(record), field, { ...guessHint(field, value), ...hintFor(record.descriptor, field) });
        if (plan) fresh.push(this.remember(record, plan));
      }
      if (!record.controlsAdded) {
        record.controlsAdded = true;
        fresh.push(...this.controlPlans(record).map((p) => this.remember(record, p)));
      }
      const plans = blockChanged ? this.rebuilt(record) : fresh;
      for (const plan of plans) out.push(this.config(record, plan));
    }
    if (!record.online) {
      record.online = true;
      out.push(this.message(availabilityTopic(this.options, key), 'online'));
    }
    out.push(this.stateMessage(record));
    if (this.options.plainFields)
      for (const [field, value] of reading.fields) out.push(this.message(fieldTopic(this.options, key, field), PLAIN(value)));
    return out;
  }

  /** Home Assistant came (back) online: every config again, then every state and availability. */
  birth(): MqttMessage[] {
    const out: MqttMessage[] = [];
    if (this.options.discovery && this.devices.size > 0) out.push(...this.instanceConfig());
    for (const record of this.devices.values()) {
      if (this.options.discovery) for (const plan of record.entities.values()) out.push(this.config(record, plan));
      out.push(this.message(availabilityTopic(this.options, record.key), record.online ? 'online' : 'offline'));
      out.push(this.stateMessage(record));
    }
    return out;
  }

  /** The device stopped answering: `offline` until its next reading. */
  offline(key: string): MqttMessage[] {
    const record = this.devices.get(key);
    if (!record || !record.online) return [];
    record.online = false;
    return [this.message(availabilityTopic(this.options, key), 'offline')];
  }

  /** A command from Home Assistant: the device node's command message; throws a BridgeError it cannot be. */
  command(topic: string, payload: unknown): DeviceCommandMessage {
    const named = parseCommandTopic(this.options, topic);
    if (!named) throw new BridgeError(`${topic} is not a command topic (${this.options.base}/<device>/<control>/set)`);
    if (!this.options.controls) throw new BridgeError(`controls are off: tick "controls" in ha-discovery to take ${topic}`);
    const record = [...this.devices.values()].find((d) => topicId(d.key) === named.device);
    if (!record) throw new BridgeError(`no device ${named.device} has sent a reading since the start`);
    const control = record.descriptor?.controls?.find((c) => c.key === named.control);
    if (!control) throw new BridgeError(`${record.key} has no control ${named.control}`);
    const value = Buffer.isBuffer(payload) ? payload.toString() : String(payload);
    let command;
    try {
      command = control.command(value);
    } catch (err) {
      throw new BridgeError(`${record.key} ${control.key}: ${(err as Error).message}`);
    }
    return { topic: record.topic, device: record.key, ...command, haControl: { device: record.key, control: control.key, value } };
  }

  /** A device node answered a command (error: it refused or failed): the result and the state go back to HA. */
  commandDone(tag: ControlTag, error?: string): MqttMessage[] {
    const record = this.devices.get(tag.device);
    const control = record?.descriptor?.controls?.find((c) => c.key === tag.control);
    if (!record || !control) return [];
    if (error === undefined) {
      record.state[control.stateField] = control.stateAfter(tag.value);
      record.state[COMMAND_RESULT] = `done: ${control.key} ${tag.value}`;
    } else {
      // The state field keeps the device's own value, so Home Assistant's switch or select shows what holds.
      record.state[COMMAND_RESULT] = `refused: ${control.key} ${tag.value}: ${error}`.slice(0, 255);
    }
    return [this.stateMessage(record)];
  }

  /** Removes a device's entities (or one field's) from Home Assistant: empty retained configs. */
  remove(key: string, field?: string): MqttMessage[] {
    const record = this.devices.get(key);
    const out: MqttMessage[] = [];
    if (field !== undefined) {
      // A field the node never saw since the start may still be retained: clear it on every platform.
      for (const component of COMPONENTS) out.push(this.message(discoveryTopic(this.options, component, key, field), ''));
      if (record) {
        for (const [topic, plan] of record.entities) if (plan.objectId === field) record.entities.delete(topic);
        record.fields.delete(field);
        delete record.state[field];
      }
      if (this.options.plainFields) out.push(this.message(fieldTopic(this.options, key, field), ''));
      return out;
    }
    if (!record) throw new BridgeError(`no device ${key} has sent a reading since the start; name the field to clear (msg.field)`);
    for (const topic of record.entities.keys()) out.push(this.message(topic, ''));
    out.push(this.message(stateTopic(this.options, key), ''), this.message(availabilityTopic(this.options, key), ''));
    if (this.options.plainFields) for (const f of record.fields) out.push(this.message(fieldTopic(this.options, key, f), ''));
    this.devices.delete(key);
    return out;
  }

  private context(record: DeviceRecord) {
    return { topics: this.options, device: record.key, deviceBlock: record.deviceBlock, expireAfterS: this.options.expireAfterS };
  }

  private remember(record: DeviceRecord, plan: EntityPlan): EntityPlan {
    record.entities.set(discoveryTopic(this.options, plan.component, record.key, plan.objectId), plan);
    return plan;
  }

  /** The device's controls and the command result sensor, when controls are on and the descriptor has any. */
  private controlPlans(record: DeviceRecord): EntityPlan[] {
    const controls: readonly ControlDescriptor[] = this.options.controls ? (record.descriptor?.controls ?? []) : [];
    if (controls.length === 0) return [];
    const ctx = this.context(record);
    return [...controls.map((c) => controlEntity(ctx, c)), commandResultEntity(ctx)];
  }

  /** Every entity again with the new device block. */
  private rebuilt(record: DeviceRecord): EntityPlan[] {
    const ctx = this.context(record);
    const plans = [...record.entities.entries()].map(([topic, plan]) => {
      const rebuilt = { ...plan, config: { ...plan.config, device: ctx.deviceBlock } };
      record.entities.set(topic, rebuilt);
      return rebuilt;
    });
    return plans;
  }

  private deviceBlock(record: DeviceRecord): Config {
    const d = record.descriptor;
    const text = (field: string | undefined) => {
      const value = field === undefined ? undefined : record.state[field];
      return typeof value === 'string' || typeof value === 'number' ? String(value) : undefined;
    };
    const block: Config = {
      identifiers: [`solar_telemetry_${topicId(record.key)}`],
      name: record.key,
      manufacturer: d?.manufacturer ?? 'unknown',
      model: text(d?.identity?.model) ?? d?.model ?? record.type,
      via_device: this.instanceIdentifier(),
    };
    const serial = text(d?.identity?.serial);
    const sw = text(d?.identity?.sw_version);
    if (serial) block.serial_number = serial;
    if (sw) block.sw_version = sw;
    return block;
  }

  private instanceIdentifier(): string {
    return `solar_telemetry_node_red_${topicId(this.options.instance)}`;
  }

  private instanceConfig(): MqttMessage[] {
    this.instanceAnnounced = true;
    const block = {
      identifiers: [this.instanceIdentifier()],
      name: `Node-RED ${this.options.instance}`,
      manufacturer: 'Node-RED',
      model: 'node-red-contrib-solar-telemetry',
    };
    const plan = instanceEntity(this.options, block, `node_red_${this.options.instance}`);
    return [
      this.message(discoveryTopic(this.options, plan.component, `node_red_${this.options.instance}`, plan.objectId), JSON.stringify(plan.config)),
    ];
  }

  private config(record: DeviceRecord, plan: EntityPlan): MqttMessage {
    return this.message(discoveryTopic(this.options, plan.component, record.key, plan.objectId), JSON.stringify(plan.config));
  }

  private stateMessage(record: DeviceRecord): MqttMessage {
    return this.message(stateTopic(this.options, record.key), JSON.stringify(record.state));
  }

  private message(topic: string, payload: string): MqttMessage {
    return { topic, payload, retain: true, qos: this.options.qos };
  }
}
