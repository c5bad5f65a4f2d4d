// Node-RED adapter for one PZEM DC or AC meter on a modbus-bus.
import type { NodeAPI } from 'node-red';
import { pollingDriver, registerDeviceNode, type DeviceContext } from '../common/device-node';
import type { ModbusConnection } from '../modbus-bus/connection';
import { failureKind, parseCommand } from './commands';
import { PzemController } from './controller';
import { framingMismatch } from './models';
import { parsePzemConfig, type PzemNodeConfig } from './node-config';

export = function register(RED: NodeAPI): void {
  registerDeviceNode(RED, {
    type: 'pzem017',
    parseConfig: parsePzemConfig,
    link: { configType: 'modbus-bus', field: 'bus' },
    failureKind,
    start: ({ node, config, link, t }: DeviceContext<PzemNodeConfig, ModbusConnection>) => {
      const controller = new PzemController((id) => link.unit(id), {
        model: config.model,
        unitId: config.unitId,
        allowWrites: config.allowWrites,
        shunt: config.applyShunt ? config.shunt : undefined,
      });
      // A serial bus at another framing never reaches the meter; said once at deploy (the editor says it too).
      if (link.settings.transport === 'serial') {
        const mismatch = framingMismatch(config.model, link.settings.serial);
        if (mismatch) node.warn(t('warnings.framing', { mismatch }));
      }
      return pollingDriver(config, controller, parseCommand);
    },
  });
};
