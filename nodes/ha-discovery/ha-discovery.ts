// Node-RED adapter for Home Assistant MQTT discovery: readings of any device node in, messages for a core
// `mqtt out` node out (first output) and device commands from Home Assistant out (second output).
import type { Node, NodeAPI, NodeDef, NodeMessage, NodeMessageInFlow } from 'node-red';
import { slug } from '../common/device-config';
import { asError, messageOf } from '../common/errors';
import { refuseAllInput } from '../common/misconfigured';
import { parseReading } from '../common/reading';
import { statusOf } from '../common/status';
import { DiscoveryBridge, type BridgeOptions, type DeviceCommandMessage, type MqttMessage } from './bridge';
import { descriptorOf } from './descriptors';
import { classify, type InputMessage } from './inputs';
import { parseHaConfig } from './node-config';
import { birthTopic, parseCommandTopic } from './topics';

type HaDef = NodeDef & Record<string, unknown>;
type Send = (msg: Array<NodeMessage[]>) => void;

/** A rollup record: its window makes `<device>_<window>` a device of its own (rollup/record-message.ts). */
function rollupWindow(msg: Record<string, unknown>): string | undefined {
  const window = msg.window as { name?: unknown } | undefined;
  return typeof window === 'object' && window !== null && typeof window.name === 'string' ? window.name : undefined;
}

export = function register(RED: NodeAPI): void {
  function HaDiscovery(this: Node, def: HaDef): void {
    RED.nodes.createNode(this, def);
    const node = this;
    let options: BridgeOptions;
    try {
      options = parseHaConfig(def);
    } catch (err) {
      const error = messageOf(err);
      refuseAllInput(node, 'ha-discovery.status.config', RED._('ha-discovery.errors.config', { error }), error);
      return;
    }
    const bridge = new DiscoveryBridge(options, descriptorOf);
    const birth = birthTopic(options);
    const isCommandTopic = (topic: string) => parseCommandTopic(options, topic) !== undefined;

    /** The devices a device node's Status report is about: its device id setting, else what it sent so far. */
    function devicesOfNode(sourceId: string, sourceType: string): string[] {
      let found: Record<string, unknown> | undefined;
      RED.nodes.eachNode((n) => {
        if (n.id === sourceId) found = n as unknown as Record<string, unknown>;
      });
      const given = typeof found?.deviceId === 'string' ? found.deviceId.trim() : '';
      if (given) return [given];
      const seen = bridge.devicesOfType(sourceType);
      const named = typeof found?.name === 'string' ? slug(found.name) : '';
      return seen.includes(named) ? [named] : seen;
    }

    function show(): void {
      const count = bridge.deviceKeys().length;
      node.status(statusOf(count > 0 ? 'ok' : 'idle', count > 0 ? `${count} device${count === 1 ? '' : 's'}` : 'ha-discovery.status.waiting'));
    }
    show();

    node.on('input', (msg: NodeMessageInFlow & InputMessage, send: Send, done: (err?: Error) => void) => {
      try {
        const mqtt: MqttMessage[] = [];
        const commands: DeviceCommandMessage[] = [];
        const input = classify(msg, birth, isCommandTopic);
        switch (input.kind) {
          case 'command-done':
            mqtt.push(...bridge.commandDone(input.tag, input.error));
            break;
          case 'device-status':
            if (input.offline) for (const device of devicesOfNode(input.sourceId, input.sourceType)) mqtt.push(...bridge.offline(device));
            break;
          case 'device-failed':
            mqtt.push(...bridge.offline(input.device));
            break;
          case 'birth':
            if (input.online) mqtt.push(...bridge.birth());
            break;
          case 'command':
            commands.push(bridge.command(input.topic, input.payload));
            break;
          case 'remove':
            mqtt.push(...bridge.remove(input.device, input.field));
            break;
          case 'reply':
            break;
          case 'reading': {
            const reading = parseReading(msg, {}, Date.now());
            const window = rollupWindow(msg);
            const topic = typeof msg.topic === 'string' ? msg.topic : '';
            const type = window !== undefined ? 'rollup' : topic.split('/')[0];
            const device = window !== undefined ? `${reading.device}_${window}` : reading.device;
            mqtt.push(...bridge.reading({ ...reading, device }, type, topic));
            break;
          }
        }
        show();
        send([mqtt as unknown as NodeMessage[], commands as unknown as NodeMessage[]]);
        done();
      } catch (err) {
        node.status(statusOf('error', messageOf(err).slice(0, 40)));
        done(asError(err));
      }
    });
  }

  RED.nodes.registerType('ha-discovery', HaDiscovery);
};
