// Node-RED adapter for an Epever Tracer charge controller on a modbus-bus.
import type { NodeAPI } from 'node-red';
import { pollingDriver, registerDeviceNode, type DeviceContext } from '../common/device-node';
import type { ModbusConnection } from '../modbus-bus/connection';
import { failureKind, parseCommand } from './commands';
import { EpeverController } from './controller';
import { parseEpeverConfig, type EpeverNodeConfig } from './node-config';

export = function register(RED: NodeAPI): void {
  registerDeviceNode(RED, {
    type: 'epever-tracer',
    parseConfig: parseEpeverConfig,
    link: { configType: 'modbus-bus', field: 'bus' },
    failureKind,
    start: ({ config, link }: DeviceContext<EpeverNodeConfig, ModbusConnection>) =>
      pollingDriver(config, new EpeverController(link.unit(config.unitId), config), parseCommand),
  });
};
