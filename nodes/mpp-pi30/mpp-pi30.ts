// Node-RED adapter for an MPP-Solar / Voltronic inverter (PI30 protocol) on a pi30-port.
import type { Node, NodeAPI, NodeDef, NodeMessageInFlow } from 'node-red';
import { DeviceBackedOffError } from '../common/bus-queue';
import { asError, messageOf } from '../common/errors';
import { statusOf, timeOfDay, type StatusState } from '../common/status';
import { attachToLink, type Attachment } from '../common/attach-link';
import type { LinkStatus, Pi30Connection } from '../pi30-port/connection';
import { classifyPi30Error } from '../pi30-port/errors';
import { parseCommand } from './commands';
import { Pi30Controller, type Reading } from './controller';
import { exchangeThrough } from './exchange';
import { parsePi30Config, type Pi30NodeConfig } from './node-config';
import { refuseAllInput } from '../common/misconfigured';
import { PollSchedule } from '../common/poll-schedule';

type MppPi30Def = NodeDef & Record<string, unknown>;
type InputMessage = NodeMessageInFlow & { command?: unknown };

/** Issues already warned about, so a model's short reply is said once, not on every poll. */
const MAX_REMEMBERED_ISSUES = 100;
const MODE_LOOK: Readonly<Record<string, StatusState>> = { fault: 'error', shutdown: 'error', power_on: 'connecting', standby: 'idle' };

export = function register(RED: NodeAPI): void {
  function MppPi30(this: Node, def: MppPi30Def): void {
    RED.nodes.createNode(this, def);
    const node = this;
    const t = (key: string, vars?: Record<string, string>) => RED._(`mpp-pi30.${key}`, vars);
    // Status texts are locale keys: the editor translates them in the node's own catalog.
    const key = (name: string) => `mpp-pi30.status.${name}`;
    let config: Pi30NodeConfig;
    let port: Attachment<Pi30Connection>;
    try {
      config = parsePi30Config(def);
      port = attachToLink<Pi30Connection>(RED, node, 'pi30-port', def.port, showLink);
    } catch (err) {
      const error = messageOf(err);
      refuseAllInput(node, key('config'), t('errors.config', { error }), error);
      return;
    }

    const connection = port.connection;
    const controller = new Pi30Controller(
      exchangeThrough((op) => connection.transact(op)),
      { queries: config.queries, allowWrites: config.allowWrites, variant: config.variant },
    );
    const warned = new Set<string>();
    let variantLogged = false;

    /** Says once, in the log, which family the replies are read as and why ("auto": what the inverter answered). */
    function logVariant(): void {
      const detection = controller.detection;
      if (variantLogged || !detection) return;
      variantLogged = true;
      node.log(detection.reason);
    }

    function showLink(link: LinkStatus): void {
      if (link.state === 'connecting') node.status(statusOf('connecting', key(link.vanished ? 'vanished' : 'connecting')));
      else if (link.state === 'disconnected') node.status(statusOf('error', key(link.vanished ? 'vanished' : 'disconnected')));
      else if (link.state === 'connected') node.status(statusOf('ok', key('connected')));
    }

    function showReading(reading: Reading): void {
      const mode = reading.mode;
      if (!mode) node.status(statusOf('ok', timeOfDay(new Date())));
      else node.status(statusOf(MODE_LOOK[mode] ?? 'ok', mode.startsWith('unknown') ? mode.slice(0, 19) : `mpp-pi30.mode.${mode}`));
    }

    function showFailure(err: unknown): void {
      if (err instanceof DeviceBackedOffError) return node.status(statusOf('retrying', key('retrying')));
      const kind = classifyPi30Error(err);
      if (kind === 'refused') node.status(statusOf('error', key('refused')));
      else if (kind === 'no-answer') node.status(statusOf('error', key('unavailable')));
      else if (kind === 'garbled') node.status(statusOf('error', key('garbled')));
      else if (connection.linkStatus.state !== 'connected') showLink(connection.linkStatus);
      else node.status(statusOf('error', key('error')));
    }

    function deviceId(): string {
      return config.deviceId || controller.serialNumber || config.fallbackDeviceId;
    }

    function warnOnce(issues: readonly string[]): void {
      for (const issue of issues) {
        if (warned.has(issue)) continue;
        if (warned.size >= MAX_REMEMBERED_ISSUES) warned.clear();
        warned.add(issue);
        node.warn(issue);
      }
    }

    function readingMessage(reading: Reading): Record<string, unknown> {
      logVariant();
      const id = deviceId();
      const msg: Record<string, unknown> = { topic: config.topic || `mpp-pi30/${id}`, payload: reading.payload, device: id, measurement: config.measurement, variant: reading.variant };
      if (reading.issues.length > 0) msg.issues = reading.issues;
      return msg;
    }

    // Scheduled polls have no message to fail; a Catch node hears each new kind of failure once.
    const schedule = new PollSchedule(config.intervalMs, {
      poll: () => controller.poll(),
      onReading: (reading) => {
        showReading(reading);
        warnOnce(reading.issues);
        node.send(readingMessage(reading));
      },
      onFailure: showFailure,
      report: (err) => {
        const error = messageOf(err);
        node.error(t('errors.poll', { error }), { topic: config.topic || `mpp-pi30/${deviceId()}`, device: deviceId(), payload: error });
      },
    });

    node.on('input', (msg: InputMessage, send, done) => {
      (async () => {
        const command = parseCommand(msg);
        const result = await controller.run(command);
        switch (result.kind) {
          case 'reading':
            showReading(result.reading);
            warnOnce(result.reading.issues);
            send(Object.assign(msg, readingMessage(result.reading)));
            break;
          case 'query': {
            warnOnce(result.issues);
            node.status(statusOf('ok', key('done')));
            logVariant();
            const reply: Record<string, unknown> = { payload: result.payload, device: deviceId(), query: result.command, variant: result.variant };
            if (result.issues.length > 0) reply.issues = result.issues;
            send(Object.assign(msg, reply));
            break;
          }
          case 'set':
            node.status(statusOf('ok', key('accepted')));
            send(Object.assign(msg, { payload: result.payload, device: deviceId() }));
            break;
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
      port.detach().then(done, done);
    });
  }
  RED.nodes.registerType('mpp-pi30', MppPi30);
};
