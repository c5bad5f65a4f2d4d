// Node-RED adapter for an Epever Tracer charge controller on a modbus-bus.
import type { NodeAPI } from 'node-red';
import { registerDeviceNode, type DeviceContext } from '../common/device-node';
import { readingMessage, topicOf } from '../common/device-config';
import type { ModbusConnection } from '../modbus-bus/connection';
import { failureKind, parseCommand } from './commands';
import { EpeverController } from './controller';
import type { WyandataPayload } from './reading';
import { parseEpeverConfig, type EpeverNodeConfig } from './node-config';

export = function register(RED: NodeAPI): void {
  registerDeviceNode(RED, {
    type: 'epever-tracer',
    parseConfig: parseEpeverConfig,
    link: { configType: 'modbus-bus', field: 'bus' },
    failureKind,
    start: ({ config, link }: DeviceContext<EpeverNodeConfig, ModbusConnection>) => {
      const controller = new EpeverController(link.unit(config.unitId), config);
      const topic = topicOf(config);
      return {
        parse: parseCommand,
        poll: () => controller.poll(),
        run: async (command) =>
          command.kind === 'poll' ? { reading: await controller.poll() } : { reply: { payload: await controller.run(command) }, status: 'done' },
        readingOut: (payload: WyandataPayload) => ({ message: readingMessage(config, payload) }),
        deviceId: () => config.deviceId,
        topic: () => topic,
      };
    },
  });
};
