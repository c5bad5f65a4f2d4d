// Node-RED adapter for an Epever Tracer charge controller on a modbus-bus.
import type { Node, NodeAPI, NodeDef, NodeMessageInFlow } from 'node-red';
import { DeviceBackedOffError } from '../common/bus-queue';
import { asError, messageOf } from '../common/errors';
import { statusOf, timeOfDay } from '../common/status';
import { attachToLink, type Attachment } from '../common/attach-link';
import type { LinkStatus, ModbusConnection } from '../modbus-bus/connection';
import { classifyModbusError } from '../modbus-bus/modbus-client';
import { parseCommand, CommandError } from './commands';
import { EpeverController } from './controller';
import { parseEpeverConfig, type EpeverNodeConfig } from './node-config';
import { SettingsError } from './settings';
import { refuseAllInput } from '../common/misconfigured';
import { PollSchedule } from '../common/poll-schedule';

type EpeverTracerDef = NodeDef & Record<string, unknown>;
type InputMessage = NodeMessageInFlow & { command?: unknown };

export = function register(RED: NodeAPI): void {
  function EpeverTracer(this: Node, def: EpeverTracerDef): void {
    RED.nodes.createNode(this, def);
    const node = this;
    const t = (key: string, vars?: Record<string, string>) => RED._(`epever-tracer.${key}`, vars);
    // Status texts are locale keys: the editor translates them in the node's own catalog.
    const key = (name: string) => `epever-tracer.status.${name}`;
    let config: EpeverNodeConfig;
    let bus: Attachment<ModbusConnection>;
    try {
      config = parseEpeverConfig(def);
      bus = attachToLink<ModbusConnection>(RED, node, 'modbus-bus', def.bus, showLink);
    } catch (err) {
      const error = messageOf(err);
      refuseAllInput(node, key('config'), t('errors.config', { error }), error);
      return;
    }

    const controller = new EpeverController(bus.connection.unit(config.unitId), config);

    function showLink(link: LinkStatus): void {
      if (link.state === 'connecting') node.status(statusOf('connecting', key('connecting')));
      else if (link.state === 'disconnected') node.status(statusOf('error', key('disconnected')));
      else if (link.state === 'connected') node.status(statusOf('ok', key('connected')));
    }

    function showFailure(err: unknown): void {
      if (err instanceof DeviceBackedOffError) node.status(statusOf('retrying', key('retrying')));
      else if (err instanceof CommandError || err instanceof SettingsError) node.status(statusOf('error', key('refused')));
      else if (classifyModbusError(err) === 'no-answer') node.status(statusOf('error', key('unavailable')));
      else node.status(statusOf('error', key('error')));
    }

    function reading(payload: object): Record<string, unknown> {
      return { topic: config.topic, payload, device: config.deviceId, measurement: config.measurement };
    }

    // Scheduled polls have no message to fail; a Catch node hears each new kind of failure once.
    const schedule = new PollSchedule(config.intervalMs, {
      poll: () => controller.poll(),
      onReading: (payload) => {
        node.status(statusOf('ok', timeOfDay(new Date())));
        node.send(reading(payload));
      },
      onFailure: showFailure,
      report: (err) => {
        const error = messageOf(err);
        node.error(t('errors.poll', { error }), { topic: config.topic, device: config.deviceId, payload: error });
      },
    });

    node.on('input', (msg: InputMessage, send, done) => {
      (async () => {
        const command = parseCommand(msg);
        const result = await controller.run(command);
        if (command.kind === 'poll') {
          node.status(statusOf('ok', timeOfDay(new Date())));
          send(Object.assign(msg, reading(result)));
        } else {
          node.status(statusOf('ok', key('done')));
          send(Object.assign(msg, { payload: result, device: config.deviceId }));
        }
      })().then(
        () => done(),
        (err: unknown) => {
          showFailure(err);
          done(asError(err));
        },
      );
    });

    node.on('close', (_removed: boolean, done: () => void) => {
      schedule.stop();
      bus.detach().then(done, done);
    });
  }
  RED.nodes.registerType('epever-tracer', EpeverTracer);
};
