// Node-RED adapter for the PS100 sampler: settings -> sampler engine, its reports -> records on output 1 and
// events on output 2, its state -> the status; input messages are samples in message-fed mode.
import type { NodeAPI } from 'node-red';
import { topicOf } from '../common/device-config';
import { registerDeviceNode, type DeviceContext, type MessageFields, type NodeStatusLook, type ReadingOut } from '../common/device-node';
import { ReadingError } from '../common/reading-time';
import { failureKind, openRealBus, type BusUnavailableError } from './i2c';
import { parseInputSample, type InputSample } from './input-sample';
import { measurementsOf, parsePs100Config, type Ps100NodeConfig } from './node-config';
import { Ps100Sampler, type SamplerReport, type SamplerStatus } from './sampler';
import { simulatorOpener } from './sim-bus-opener';

type Source = Ps100NodeConfig['source'] | 'simulator';

export = function register(RED: NodeAPI): void {
  registerDeviceNode(RED, {
    type: 'ps100-sampler',
    parseConfig: parsePs100Config,
    failureKind,
    start: ({ config, t }: DeviceContext<Ps100NodeConfig, undefined>) => {
      const names = measurementsOf(config);
      const source: Source = config.simulated ? 'simulator' : config.source;
      let hooks: { onReading(report: SamplerReport): void; report(err: unknown): void } | undefined;
      const sampler = new Ps100Sampler(
        config,
        {
          onReport: (report) => hooks?.onReading(report),
          onBusFailure: (err: BusUnavailableError) => hooks?.report(err),
        },
        source === 'simulator' ? simulatorOpener(config.panels) : openRealBus,
      );

      const panelMessage = (panel: string, payload: MessageFields, measurement: string): MessageFields => ({
        topic: topicOf(config, panel),
        payload,
        device: panel,
        measurement,
      });

      return {
        parse: (msg): InputSample => {
          if (config.source !== 'messages')
            throw new ReadingError('this node reads its panels from the I2C bus; set Source to "input messages" to feed samples');
          return parseInputSample(msg, Date.now());
        },
        run: async (input: InputSample) => {
          sampler.feed(input.panel, input.time, input.sample);
          return { accepted: true } as const;
        },
        schedule: (handlers) => {
          hooks = handlers;
          sampler.start();
          return { stop: () => sampler.clock.stop() };
        },
        readingOut: (report: SamplerReport): ReadingOut => {
          const records = [
            ...report.records.map((r) => panelMessage(r.panel, r.payload, names.readings)),
            ...report.system.map((s) => ({
              topic: topicOf(config, config.deviceId),
              payload: s.payload,
              device: config.deviceId,
              measurement: names.system,
            })),
          ];
          const events = report.events.map((e) =>
            panelMessage(
              e.panel,
              {
                timestamp: new Date(e.time).toISOString(),
                panel_id: e.panel,
                event_type: e.type,
                severity: e.severity,
                message: e.message,
                value: e.value,
              },
              names.events,
            ),
          );
          return { message: {}, outputs: [records, events], status: statusLook(report.status, source, t) };
        },
        deviceId: () => config.deviceId,
        topic: () => topicOf(config),
        close: () => sampler.stop(),
      };
    },
  });
};

/** Panels ok out of all and samples per second; the bus's problem while there is one. */
function statusLook(status: SamplerStatus, source: Source, t: (key: string, vars?: Record<string, string>) => string): NodeStatusLook {
  const rate = String(Math.round(status.samplesPerSecond * 10) / 10);
  if (status.busProblem)
    return { state: 'error', text: t(`status.${status.busProblem.reason === 'other' ? 'bus-error' : status.busProblem.reason}`) };
  if (source === 'messages') return { state: 'ok', text: t('status.fed', { rate }) };
  const text = t('status.sampling', { ok: String(status.panelsOk), total: String(status.panelsTotal), rate });
  if (status.panelsOk === 0) return { state: status.panelsLost > 0 ? 'error' : 'connecting', text };
  return { state: status.panelsLost > 0 ? 'retrying' : 'ok', text };
}
