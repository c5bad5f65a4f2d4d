// Node-RED adapter: weather, irradiance and a PV forecast from Open-Meteo, on an interval and on any input message.
import type { NodeAPI } from 'node-red';
import { topicOf } from '../common/device-config';
import { registerDeviceNode, type DeviceContext, type NodeStatusLook, type ReadingOut } from '../common/device-node';
import { messageOf } from '../common/errors';
import type { DeviceFailureKind } from '../common/failure-kind';
import { timeOfDay } from '../common/status';
import { failureKind } from './errors';
import { ForecastSource, type FetchResult } from './forecast-source';
import { fetchMessages } from './messages';
import { parseOpenMeteoConfig, requestedVariables, type OpenMeteoConfig } from './node-config';
import { redactedUrl } from './request';

const PER: Readonly<Record<string, string>> = { minute: 'min', hour: 'h', day: 'day' };
/** Why a stale forecast is shown, in the words of the failure statuses (locales/en-US/open-meteo.json). */
const STALE_WHY: Readonly<Partial<Record<DeviceFailureKind, string>>> = {
  refused: 'request refused',
  'backed-off': 'rate limited',
  'no-answer': 'no answer',
  garbled: 'malformed answer',
};

export = function register(RED: NodeAPI): void {
  registerDeviceNode(RED, {
    type: 'open-meteo',
    parseConfig: parseOpenMeteoConfig,
    failureKind,
    credentials: { apikey: { type: 'password' } },
    start: ({ node, config, t }: DeviceContext<OpenMeteoConfig, undefined>) => {
      const apikey = ((node.credentials as { apikey?: string } | undefined)?.apikey ?? '').trim();
      if (config.server === 'customer' && !apikey) throw new RangeError('the customer- server needs an API key');
      const source = new ForecastSource(
        {
          endpoint: config.endpoint,
          latitude: config.latitude,
          longitude: config.longitude,
          elevation: config.elevation,
          timezone: config.timezone,
          variables: requestedVariables(config),
          forecastDays: config.forecastDays,
          pastDays: config.pastDays,
          tilt: config.tilt,
          azimuth: config.azimuth,
          temperatureUnit: config.temperatureUnit,
          windSpeedUnit: config.windSpeedUnit,
          precipitationUnit: config.precipitationUnit,
          // The key goes only to the servers that take one: the customer- host or the user's own.
          apikey: config.server === 'public' ? undefined : apikey || undefined,
        },
        { timeoutMs: config.timeoutMs, retries: config.retries },
      );
      node.log(`fetching ${redactedUrl(source.url)} (${source.weight} weighted calls each)`);
      const deviceId = () => config.deviceId;
      const topic = () => topicOf(config);

      /** Output 1 always; 2 and 3 only with a new forecast (a stale one is not news for MQTT or the day join). */
      function readingOut(result: FetchResult): ReadingOut {
        const { fetched, staleBecause } = result;
        const out = fetchMessages(fetched.forecast, fetched.fetchedAt, {
          topic: topic(),
          device: deviceId(),
          measurement: config.measurement,
          pv: config.pv,
        });
        const warnings: string[] = [];
        let status: NodeStatusLook | undefined;
        if (staleBecause !== undefined) {
          const error = messageOf(staleBecause);
          warnings.push(t('warn.stale', { error }));
          status = {
            state: 'retrying',
            text: `stale since ${timeOfDay(new Date(fetched.fetchedAt))}: ${STALE_WHY[failureKind(staleBecause)] ?? 'error'}`,
          };
          return { message: { ...out.forecast, stale: true, error }, status, warnings, more: [null, null] };
        }
        const budget = source.budgetWarning();
        if (budget) {
          warnings.push(t('warn.budget', { window: budget.window, limit: String(budget.limit) }));
          status = {
            state: 'retrying',
            text: `${timeOfDay(new Date(fetched.fetchedAt))} · ${Math.round(budget.used)}/${budget.limit} calls per ${PER[budget.window]}`,
          };
        }
        return {
          message: { ...out.forecast, stale: false },
          status,
          warnings,
          more: [config.weatherMessages && out.weather.length > 0 ? out.weather : null, out.pvDays.length > 0 ? out.pvDays : null],
        };
      }

      return {
        // Any message asks for a fetch now; its other properties go out with the forecast.
        parse: () => undefined,
        run: async () => ({ reading: await source.fetch() }),
        poll: () => source.fetch(),
        readingOut,
        deviceId,
        topic,
      };
    },
  });
};
