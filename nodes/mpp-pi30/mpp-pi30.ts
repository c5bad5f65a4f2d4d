// Node-RED adapter for an MPP-Solar / Voltronic inverter (PI30 protocol) on a pi30-port.
import type { NodeAPI } from 'node-red';
import { readingMessage, topicOf } from '../common/device-config';
import { registerDeviceNode, type DeviceContext, type NodeStatusLook } from '../common/device-node';
import type { StatusState } from '../common/status';
import type { Pi30Connection } from '../pi30-port/connection';
import { failureKind, parseCommand } from './commands';
import { Pi30Controller, type Reading } from './controller';
import { exchangeThrough } from './protocol/exchange';
import { parsePi30Config, type Pi30NodeConfig } from './node-config';

const MODE_LOOK: Readonly<Record<string, StatusState>> = { fault: 'error', shutdown: 'error', power_on: 'connecting', standby: 'idle' };

/** The inverter's mode (QMOD) when it was read; an unknown mode is shown as the words it came with. */
function modeStatus(mode: string | undefined): NodeStatusLook | undefined {
  if (!mode) return undefined;
  return { state: MODE_LOOK[mode] ?? 'ok', text: mode.startsWith('unknown') ? mode.slice(0, 19) : `mpp-pi30.mode.${mode}` };
}

export = function register(RED: NodeAPI): void {
  registerDeviceNode(RED, {
    type: 'mpp-pi30',
    parseConfig: parsePi30Config,
    link: { configType: 'pi30-port', field: 'port' },
    failureKind,
    start: ({ node, config, link }: DeviceContext<Pi30NodeConfig, Pi30Connection>) => {
      const controller = new Pi30Controller(
        exchangeThrough((op) => link.transact(op)),
        { queries: config.queries, allowWrites: config.allowWrites, variant: config.variant },
      );
      // A device id the user set wins; else the inverter's serial number once QID answered.
      const deviceId = () => (config.deviceIdSet ? config.deviceId : controller.serialNumber || config.deviceId);
      let variantLogged = false;
      /** Says once, in the log, which family the replies are read as and why ("auto": what the inverter answered). */
      function logVariant(): void {
        const detection = controller.detection;
        if (variantLogged || !detection) return;
        variantLogged = true;
        node.log(detection.reason);
      }
      const withIssues = (fields: Record<string, unknown>, issues: readonly string[]) => (issues.length > 0 ? { ...fields, issues } : fields);

      return {
        parse: parseCommand,
        poll: () => controller.poll(),
        run: async (command) => {
          const result = await controller.run(command);
          switch (result.kind) {
            case 'reading':
              return { reading: result.reading };
            case 'query':
              logVariant();
              return {
                reply: withIssues({ payload: result.payload, query: result.command, variant: result.variant }, result.issues),
                status: 'done',
                warnings: result.issues,
              };
            case 'set':
              return { reply: { payload: result.payload }, status: 'accepted' };
          }
        },
        readingOut: (reading: Reading) => {
          logVariant();
          const id = deviceId();
          const message = { ...readingMessage(config, reading.payload, id), variant: reading.variant };
          return { message: withIssues(message, reading.issues), status: modeStatus(reading.mode), warnings: reading.issues };
        },
        deviceId,
        topic: () => topicOf(config, deviceId()),
      };
    },
  });
};
