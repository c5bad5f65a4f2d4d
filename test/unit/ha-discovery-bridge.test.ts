// The ha-discovery engine on real readings (the Epever and PI30 simulators, a rollup record, PZEM, PS100 and
// Open-Meteo shaped readings): every config it publishes is checked against Home Assistant's documented schema
// (nodes/ha-discovery/platform-schema.ts, copied from HA's sensor/const.py and the MQTT platform pages).
import assert from 'node:assert/strict';
import { parseReading, type Reading } from '../../nodes/common/reading';
import type { ModbusUnit } from '../../nodes/common/modbus/unit';
import { readPayload } from '../../nodes/epever-tracer/reading';
import { EpeverSimulator } from '../../nodes/epever-tracer/simulator';
import { DiscoveryBridge, type BridgeOptions, type MqttMessage } from '../../nodes/ha-discovery/bridge';
import { descriptorOf } from '../../nodes/ha-discovery/descriptors';
import { COMPONENTS, schemaProblems, type Component } from '../../nodes/ha-discovery/platform-schema';
import { classify } from '../../nodes/ha-discovery/inputs';
import { parseHaConfig } from '../../nodes/ha-discovery/node-config';
import { Pi30Controller } from '../../nodes/mpp-pi30/controller';
import { fetchMessages } from '../../nodes/open-meteo/messages';
import { parseForecast } from '../../nodes/open-meteo/response';
import { BERLIN_2026_10_25, berlinForecast } from './open-meteo-fixtures';
import { Pi30Simulator } from '../../nodes/mpp-pi30/simulator/inverter';

const NOON = new Date('2026-06-21T12:00:00Z');
const OPTIONS: BridgeOptions = { ...parseHaConfig({}), controls: true };

function simUnit(sim: EpeverSimulator): ModbusUnit {
  return {
    readInputRegisters: async (a: number, c: number) => sim.readRegisters('input', a, c),
    readHoldingRegisters: async (a: number, c: number) => sim.readRegisters('holding', a, c),
    readCoils: async (a: number, c: number) => sim.readBits('coil', a, c),
    readDiscreteInputs: async (a: number, c: number) => sim.readBits('discrete', a, c),
    // A poll only reads.
    writeRegisters: async () => undefined,
    writeRegister: async () => undefined,
    writeCoil: async () => undefined,
    customFunction: async () => Buffer.alloc(0),
  };
}

async function epeverReading(device = 'shed'): Promise<Reading> {
  const payload = await readPayload(simUnit(new EpeverSimulator({ now: () => NOON })), { status: true, statistics: true }, () => NOON);
  return parseReading({ payload, device }, {}, NOON.getTime());
}

async function pi30Reading(device = 'inverter'): Promise<Reading> {
  const sim = new Pi30Simulator({ now: () => NOON });
  const exchange = async (command: string) => {
    const text = sim.answer(command);
    return text === 'NAK' ? ({ kind: 'nak' } as const) : text === 'ACK' ? ({ kind: 'ack' } as const) : ({ kind: 'data', text } as const);
  };
  const controller = new Pi30Controller(exchange, { queries: ['QPIGS', 'QMOD', 'QPIWS', 'QPIRI', 'QFLAG', 'energy'], allowWrites: true });
  const { payload } = await controller.poll();
  return parseReading({ payload, device }, {}, NOON.getTime());
}

const reading = (device: string, payload: Record<string, unknown>) => parseReading({ payload, device }, {}, NOON.getTime());

interface Config {
  component: Component;
  topic: string;
  config: Record<string, unknown>;
}

function configsOf(messages: MqttMessage[]): Config[] {
  return messages
    .filter((m) => m.topic.startsWith('homeassistant/') && m.topic.endsWith('/config') && m.payload !== '')
    .map((m) => ({ component: m.topic.split('/')[1] as Component, topic: m.topic, config: JSON.parse(m.payload) as Record<string, unknown> }));
}

function assertSchema(configs: Config[]): void {
  assert.ok(configs.length > 0);
  for (const { component, topic, config } of configs) {
    assert.ok(COMPONENTS.includes(component), topic);
    assert.deepEqual(schemaProblems(component, config), [], topic);
  }
}

const byId = (configs: Config[], id: string) => {
  const found = configs.find((c) => c.config.unique_id === id);
  assert.ok(found, `no entity ${id}`);
  return found;
};

describe("Home Assistant's discovery schema (platform-schema.ts)", () => {
  const base = { state_topic: 's', unique_id: 'u' };
  it('refuses what HA refuses: a unit outside the class, a state class outside the class, options with a unit, a select without options', () => {
    assert.deepEqual(schemaProblems('sensor', { ...base, device_class: 'voltage', unit_of_measurement: 'V', state_class: 'measurement' }), []);
    assert.match(schemaProblems('sensor', { ...base, device_class: 'voltage', unit_of_measurement: 'W' }).join(), /does not take unit W/);
    assert.match(
      schemaProblems('sensor', { ...base, device_class: 'energy', unit_of_measurement: 'kWh', state_class: 'measurement' }).join(),
      /state_class measurement/,
    );
    assert.match(schemaProblems('sensor', { ...base, device_class: 'enum', options: ['a'], unit_of_measurement: '%' }).join(), /no unit/);
    assert.match(schemaProblems('sensor', { ...base, options: ['a'] }).join(), /need device_class enum/);
    assert.match(
      schemaProblems('sensor', { ...base, last_reset_value_template: 'x', state_class: 'total_increasing' }).join(),
      /needs state_class total/,
    );
    assert.match(schemaProblems('select', { command_topic: 'c' }).join(), /select needs options/);
    assert.match(schemaProblems('switch', { state_topic: 's' }).join(), /switch needs command_topic/);
    assert.match(schemaProblems('binary_sensor', { ...base, device_class: 'fault' }).join(), /device_class fault unknown/);
    assert.match(schemaProblems('sensor', { ...base, device: { name: 'x' } }).join(), /identifiers or connections/);
    assert.match(schemaProblems('sensor', { ...base, stat_t: 'x' }).join(), /no key stat_t/);
  });
});

describe('ha-discovery engine', () => {
  it('turns an Epever reading into entities Home Assistant takes: classes, units, state classes, enums, faults, the load switch', async () => {
    const bridge = new DiscoveryBridge(OPTIONS, descriptorOf);
    const out = bridge.reading(await epeverReading(), 'epever-tracer', 'epever-tracer/shed');
    const configs = configsOf(out);
    assertSchema(configs);
    assert.ok(
      out.every((m) => m.retain),
      'everything retained',
    );
    const voltage = byId(configs, 'solar_telemetry_shed_pv_array_voltage').config;
    assert.deepEqual([voltage.device_class, voltage.unit_of_measurement, voltage.state_class], ['voltage', 'V', 'measurement']);
    assert.equal(voltage.state_topic, 'solar/shed/state');
    assert.equal(voltage.value_template, '{{ value_json["pv_array_voltage"] }}');
    assert.deepEqual(voltage.availability, [{ topic: 'solar/shed/availability' }, { topic: 'solar/node-red/status' }]);
    const energy = byId(configs, 'solar_telemetry_shed_energy_total_kwh').config;
    assert.deepEqual([energy.device_class, energy.unit_of_measurement, energy.state_class], ['energy', 'kWh', 'total_increasing']);
    const soc = byId(configs, 'solar_telemetry_shed_battery_soc').config;
    assert.deepEqual([soc.device_class, soc.unit_of_measurement], ['battery', '%']);
    const mode = byId(configs, 'solar_telemetry_shed_controller_charging_mode').config;
    assert.deepEqual([mode.device_class, mode.options], ['enum', ['none', 'float', 'boost', 'equalize']]);
    const fault = byId(configs, 'solar_telemetry_shed_status_load_short');
    assert.equal(fault.component, 'binary_sensor');
    assert.deepEqual([fault.config.device_class, fault.config.entity_category], ['problem', 'diagnostic']);
    const load = byId(configs, 'solar_telemetry_shed_load');
    assert.equal(load.component, 'switch');
    assert.equal(load.config.command_topic, 'solar/shed/load/set');
    const device = voltage.device as Record<string, unknown>;
    assert.deepEqual([device.manufacturer, device.via_device], ['Epever', 'solar_telemetry_node_red_node-red']);
    assert.ok(byId(configs, 'solar_telemetry_node_red_node-red_node_red'), 'the Node-RED instance is a device');
    const state = JSON.parse(out.find((m) => m.topic === 'solar/shed/state')!.payload) as Record<string, unknown>;
    assert.equal(typeof state.pv_array_voltage, 'number');
    assert.equal(out.find((m) => m.topic === 'solar/shed/availability')?.payload, 'online');
  });

  it('turns a PI30 reading into mode and priority enums, warning problem sensors, Wh counters and the two priority selects', async () => {
    const bridge = new DiscoveryBridge(OPTIONS, descriptorOf);
    const configs = configsOf(bridge.reading(await pi30Reading(), 'mpp-pi30', 'mpp-pi30/inverter'));
    assertSchema(configs);
    const mode = byId(configs, 'solar_telemetry_inverter_mode').config;
    assert.equal(mode.device_class, 'enum');
    assert.ok((mode.options as string[]).includes('battery'));
    const pv = byId(configs, 'solar_telemetry_inverter_energy_pv_total_wh').config;
    assert.deepEqual([pv.device_class, pv.unit_of_measurement, pv.state_class], ['energy', 'Wh', 'total_increasing']);
    const apparent = byId(configs, 'solar_telemetry_inverter_ac_output_apparent_power').config;
    assert.deepEqual([apparent.device_class, apparent.unit_of_measurement], ['apparent_power', 'VA']);
    const warning = byId(configs, 'solar_telemetry_inverter_warnings_overload');
    assert.deepEqual([warning.component, warning.config.device_class], ['binary_sensor', 'problem']);
    const output = byId(configs, 'solar_telemetry_inverter_output_source_priority');
    assert.equal(output.component, 'select');
    assert.deepEqual(output.config.options, ['utility_first', 'solar_first', 'sbu']);
    assert.equal(byId(configs, 'solar_telemetry_inverter_charger_source_priority').component, 'select');
    assert.equal(byId(configs, 'solar_telemetry_inverter_settings_battery_type').config.entity_category, 'diagnostic');
  });

  it('gives a PZEM meter its energy counter and alarms from the pzem017 descriptor', () => {
    const bridge = new DiscoveryBridge(OPTIONS, descriptorOf);
    const payload = { voltage: 13.2, current: 4.1, power: 54.1, energy_wh: 1234, high_voltage_alarm: false, low_voltage_alarm: true };
    const configs = configsOf(bridge.reading(reading('dc-1', payload), 'pzem017', 'pzem017/dc-1'));
    assertSchema(configs);
    const energy = byId(configs, 'solar_telemetry_dc-1_energy_wh').config;
    assert.deepEqual([energy.device_class, energy.unit_of_measurement, energy.state_class], ['energy', 'Wh', 'total_increasing']);
    for (const alarm of ['high_voltage_alarm', 'low_voltage_alarm']) {
      const entity = byId(configs, `solar_telemetry_dc-1_${alarm}`);
      assert.deepEqual([entity.component, entity.config.device_class], ['binary_sensor', 'problem'], alarm);
    }
    assert.equal((energy.device as { manufacturer?: string }).manufacturer, 'Peacefair');
  });

  it("gives a PS100 panel record's energy no state class: it is the record period's energy, not a meter", () => {
    const bridge = new DiscoveryBridge(OPTIONS, descriptorOf);
    const record = {
      voltage_avg: 19.4,
      voltage_stddev: 0.02,
      current_avg: 4.1,
      power_avg: 79.5,
      power_max: 80.2,
      energy_wh: 0.0221,
      sample_count: 10,
      efficiency_percent: 79.5,
      conditions_estimate: 'Good - Partly sunny',
      alerts: [],
    };
    const configs = configsOf(bridge.reading(reading('PS100_0X40', record), 'ps100-sampler', 'ps100-sampler/PS100_0X40'));
    assertSchema(configs);
    const of = (field: string) => byId(configs, `solar_telemetry_PS100_0X40_${field}`).config;
    assert.deepEqual([of('energy_wh').device_class, of('energy_wh').state_class], ['energy', undefined]);
    assert.deepEqual([of('voltage_avg').device_class, of('voltage_avg').unit_of_measurement], ['voltage', 'V']);
    assert.deepEqual([of('power_avg').device_class, of('power_avg').state_class], ['power', 'measurement']);
    assert.equal(of('power_max').entity_category, 'diagnostic');
    assert.equal(of('sample_count').entity_category, 'diagnostic');
    assert.ok(!configs.some((c) => String(c.config.unique_id).endsWith('_alerts')), 'the alert list is no entity');
  });

  it('guesses sensible entities from field names (PZEM fields no descriptor names, PS100 and Open-Meteo shapes) and rollup records', () => {
    const bridge = new DiscoveryBridge(OPTIONS, descriptorOf);
    const out = [
      ...bridge.reading(
        reading('meter-1', { voltage: 13.2, current: 4.1, power: 54, energy_wh: 1234, alarm_high: false }),
        'pzem017',
        'pzem017/meter-1',
      ),
      ...bridge.reading(
        reading('panel', { panel_voltage: 18.1, panel_current: 2.2, panel_power: 40, power_factor: 0.9, frequency: 50 }),
        'ps100-sampler',
        'ps100-sampler/panel',
      ),
      ...bridge.reading(
        reading('weather', { temperature_2m: 21.5, relative_humidity_2m: 60, global_tilted_irradiance: 700 }),
        'open-meteo',
        'open-meteo/weather',
      ),
      ...bridge.reading(
        reading('shed_1h', {
          window_start: '2026-06-21T11:00:00.000Z',
          pv_array_power_avg: 50,
          pv_array_power_count: 60,
          pv_array_power_sum: 3000,
          pv_array_energy_wh: 50,
        }),
        'rollup',
        'rollup/shed',
      ),
    ];
    const configs = configsOf(out);
    assertSchema(configs);
    const expect = (id: string, cls: unknown, unit: unknown, stateClass: unknown) => {
      const c = byId(configs, id).config;
      assert.deepEqual([c.device_class, c.unit_of_measurement, c.state_class], [cls, unit, stateClass], id);
    };
    expect('solar_telemetry_meter-1_voltage', 'voltage', 'V', 'measurement');
    expect('solar_telemetry_meter-1_current', 'current', 'A', 'measurement');
    expect('solar_telemetry_meter-1_power', 'power', 'W', 'measurement');
    expect('solar_telemetry_meter-1_energy_wh', 'energy', 'Wh', 'total_increasing');
    expect('solar_telemetry_panel_power_factor', 'power_factor', undefined, 'measurement');
    expect('solar_telemetry_panel_frequency', 'frequency', 'Hz', 'measurement');
    expect('solar_telemetry_weather_temperature_2m', 'temperature', '°C', 'measurement');
    expect('solar_telemetry_shed_1h_pv_array_energy_wh', 'energy', 'Wh', 'total');
    expect('solar_telemetry_shed_1h_pv_array_power_count', undefined, undefined, 'measurement');
    assert.equal(byId(configs, 'solar_telemetry_shed_1h_pv_array_energy_wh').config.last_reset_value_template, '{{ value_json["window_start"] }}');
    assert.equal(
      configs.find((c) => c.config.unique_id === 'solar_telemetry_shed_1h_pv_array_power_sum'),
      undefined,
      'sums left out',
    );
    assert.equal(byId(configs, 'solar_telemetry_meter-1_alarm_high').component, 'binary_sensor');
    assert.equal(configs.filter((c) => c.component === 'switch' || c.component === 'select').length, 0, 'no controls without a descriptor');
  });

  it("turns the open-meteo node's forecast and PV day messages into weather sensors and forecast energy outside the Energy dashboard", () => {
    const body = berlinForecast({
      start: BERLIN_2026_10_25,
      hours: 49,
      gti: (i) => (i % 24 === 12 ? 800 : 0),
      temperature: () => 12,
      days: [BERLIN_2026_10_25],
    });
    const pv = { kwp: 1.2, temperatureCoefficient: -0.4, systemLosses: 14, mounting: 'freestanding' as const };
    const out = fetchMessages(parseForecast(body), Date.parse('2026-10-25T09:00:00Z'), {
      topic: 'open-meteo/home',
      device: 'home',
      measurement: 'open_meteo',
      pv,
    });
    const bridge = new DiscoveryBridge(OPTIONS, descriptorOf);
    const messages = [out.forecast, ...out.pvDays].flatMap((m) => bridge.reading(parseReading(m, {}, NOON.getTime()), 'open-meteo', String(m.topic)));
    const configs = configsOf(messages);
    assertSchema(configs);
    const c = (id: string) => byId(configs, `solar_telemetry_home_${id}`).config;
    assert.deepEqual([c('current_temperature_2m').device_class, c('current_temperature_2m').unit_of_measurement], ['temperature', '°C']);
    assert.deepEqual([c('current_relative_humidity_2m').device_class, c('current_relative_humidity_2m').unit_of_measurement], ['humidity', '%']);
    assert.equal(c('current_is_day').entity_category, 'diagnostic');
    const wind = configsOf(
      bridge.reading(reading('home', { current_wind_speed_10m: 12, current_pressure_msl: 1013 }), 'open-meteo', 'open-meteo/home'),
    );
    assertSchema(wind);
    const speed = byId(wind, 'solar_telemetry_home_current_wind_speed_10m').config;
    assert.deepEqual([speed.device_class, speed.unit_of_measurement], ['wind_speed', 'km/h']);
    const pressure = byId(wind, 'solar_telemetry_home_current_pressure_msl').config;
    assert.deepEqual([pressure.device_class, pressure.unit_of_measurement], ['atmospheric_pressure', 'hPa']);
    assert.deepEqual([c('pv_today_kwh').device_class, c('pv_today_kwh').state_class], ['energy', undefined], 'a forecast is no meter');
    assert.equal(c('location_latitude').entity_category, 'diagnostic');
    assert.equal(
      configs.find((x) => x.config.unique_id === 'solar_telemetry_home_hourly'),
      undefined,
      'lists are no entities',
    );
  });

  it("publishes configs on first sight and for new fields only, all of them again on Home Assistant's birth, with the same unique ids", async () => {
    const bridge = new DiscoveryBridge(OPTIONS, descriptorOf);
    const first = configsOf(bridge.reading(reading('m', { voltage: 1 }), 'pzem017', 'pzem017/m'));
    assert.deepEqual(first.map((c) => c.config.unique_id).sort(), ['solar_telemetry_m_voltage', 'solar_telemetry_node_red_node-red_node_red']);
    assert.deepEqual(configsOf(bridge.reading(reading('m', { voltage: 2 }), 'pzem017', 'pzem017/m')), [], 'nothing new');
    const added = configsOf(bridge.reading(reading('m', { voltage: 2, current: 1 }), 'pzem017', 'pzem017/m'));
    assert.deepEqual(
      added.map((c) => c.config.unique_id),
      ['solar_telemetry_m_current'],
    );
    const birth = bridge.birth();
    assert.deepEqual(
      configsOf(birth)
        .map((c) => c.config.unique_id)
        .sort(),
      ['solar_telemetry_m_current', 'solar_telemetry_m_voltage', 'solar_telemetry_node_red_node-red_node_red'],
    );
    assert.equal(birth.find((m) => m.topic === 'solar/m/availability')?.payload, 'online');
    // A new bridge (a restart or a redeploy) gives the same ids and topics.
    const again = new DiscoveryBridge(OPTIONS, descriptorOf);
    const replay = configsOf(again.reading(reading('m', { voltage: 2, current: 1 }), 'pzem017', 'pzem017/m'));
    assert.deepEqual(
      replay.map((c) => [c.topic, c.config.unique_id]).sort(),
      configsOf(birth)
        .map((c) => [c.topic, c.config.unique_id])
        .sort(),
    );
  });

  it("turns Home Assistant commands into the device nodes' command messages and reports the result in the state", async () => {
    const bridge = new DiscoveryBridge(OPTIONS, descriptorOf);
    bridge.reading(await epeverReading(), 'epever-tracer', 'epever-tracer/shed');
    const inverter = await pi30Reading();
    bridge.reading(inverter, 'mpp-pi30', 'mpp-pi30/inverter');
    const load = bridge.command('solar/shed/load/set', 'OFF');
    assert.deepEqual(load, {
      topic: 'epever-tracer/shed',
      device: 'shed',
      command: 'load',
      payload: false,
      haControl: { device: 'shed', control: 'load', value: 'OFF' },
    });
    const pop = bridge.command('solar/inverter/output_source_priority/set', Buffer.from('utility_first'));
    assert.deepEqual([pop.command, pop.payload], ['set', { output_source_priority: 'utility_first' }]);
    assert.throws(() => bridge.command('solar/inverter/output_source_priority/set', 'grid'), /not one of utility_first, solar_first, sbu/);
    assert.throws(() => bridge.command('solar/shed/load/set', 'toggle'), /ON or OFF/);
    assert.throws(() => bridge.command('solar/nobody/load/set', 'ON'), /no device nobody/);

    const done = JSON.parse(bridge.commandDone(load.haControl)[0].payload) as Record<string, unknown>;
    assert.deepEqual([done.status_discharging_running, done.command_result], [false, 'done: load OFF']);
    const before = inverter.fields.get('settings_output_source_priority');
    assert.equal(typeof before, 'string');
    const refused = JSON.parse(bridge.commandDone(pop.haControl, 'tick "allow writes"')[0].payload) as Record<string, unknown>;
    assert.equal(refused.settings_output_source_priority, before, 'the select keeps what the inverter holds');
    assert.match(String(refused.command_result), /^refused: output_source_priority utility_first: tick "allow writes"/);

    const off = new DiscoveryBridge({ ...OPTIONS, controls: false }, descriptorOf);
    const configs = configsOf(off.reading(await epeverReading(), 'epever-tracer', 'epever-tracer/shed'));
    assert.equal(configs.filter((c) => c.component === 'switch').length, 0, 'no switch while controls are off');
    assert.throws(() => off.command('solar/shed/load/set', 'ON'), /controls are off/);
  });

  it('marks a device offline once and online with its next reading; removes a field or a device with empty retained configs', () => {
    const bridge = new DiscoveryBridge(OPTIONS, descriptorOf);
    bridge.reading(reading('m', { voltage: 1, current: 2 }), 'pzem017', 'pzem017/m');
    assert.deepEqual(bridge.offline('m'), [{ topic: 'solar/m/availability', payload: 'offline', retain: true, qos: 0 }]);
    assert.deepEqual(bridge.offline('m'), [], 'once');
    const back = bridge.reading(reading('m', { voltage: 1, current: 2 }), 'pzem017', 'pzem017/m');
    assert.equal(back.find((m) => m.topic === 'solar/m/availability')?.payload, 'online');

    const field = bridge.remove('m', 'current');
    assert.ok(field.some((m) => m.topic === 'homeassistant/sensor/m/current/config' && m.payload === '' && m.retain));
    const device = bridge.remove('m');
    assert.ok(device.some((m) => m.topic === 'homeassistant/sensor/m/voltage/config' && m.payload === '' && m.retain));
    assert.ok(!device.some((m) => m.topic.endsWith('/current/config')), 'the removed field is gone already');
    assert.ok(device.some((m) => m.topic === 'solar/m/state' && m.payload === ''));
    assert.throws(() => bridge.remove('m'), /no device m/);
  });

  it('publishes the plain topic layout without discovery: one retained topic per field and the state JSON', () => {
    const bridge = new DiscoveryBridge({ ...OPTIONS, discovery: false, plainFields: true }, descriptorOf);
    const out = bridge.reading(reading('m', { voltage: 13.5, grid: { on: true } }), 'pzem017', 'pzem017/m');
    assert.deepEqual(configsOf(out), []);
    const topics = Object.fromEntries(out.map((m) => [m.topic, m.payload]));
    assert.equal(topics['solar/m/voltage'], '13.5');
    assert.equal(topics['solar/m/grid_on'], 'true');
    assert.deepEqual(JSON.parse(topics['solar/m/state']), { voltage: 13.5, grid_on: true, timestamp: NOON.toISOString() });
    assert.ok(out.every((m) => m.retain));
  });
});

describe('ha-discovery inputs', () => {
  const birth = 'homeassistant/status';
  const isCommand = (topic: string) => topic.endsWith('/set');
  const status = (fill: string, text: string) => ({
    status: { fill, shape: 'ring', text, source: { id: 'n1', type: 'epever-tracer', name: 'Shed' } },
  });

  it('reads a Status node: red or retrying is an outage, a refused command is not', () => {
    assert.deepEqual(classify(status('red', 'epever-tracer.status.unavailable'), birth, isCommand), {
      kind: 'device-status',
      sourceId: 'n1',
      sourceType: 'epever-tracer',
      offline: true,
    });
    assert.equal((classify(status('yellow', 'epever-tracer.status.retrying'), birth, isCommand) as { offline: boolean }).offline, true);
    assert.equal((classify(status('red', 'epever-tracer.status.refused'), birth, isCommand) as { offline: boolean }).offline, false);
    assert.equal((classify(status('green', '12:00:00'), birth, isCommand) as { offline: boolean }).offline, false);
  });

  it("reads a Catch node: a failed scheduled poll is the device's outage, a refused HA command goes back to its control", () => {
    assert.deepEqual(classify({ topic: 'epever-tracer/shed', device: 'shed', payload: 'timeout', error: { message: 'timeout' } }, birth, isCommand), {
      kind: 'device-failed',
      device: 'shed',
    });
    const haControl = { device: 'shed', control: 'load', value: 'OFF' };
    assert.deepEqual(classify({ command: 'load', payload: false, haControl, error: { message: 'tick "allow writes"' } }, birth, isCommand), {
      kind: 'command-done',
      tag: haControl,
      error: 'tick "allow writes"',
    });
    assert.equal(classify({ command: 'load', payload: false, device: 'shed', error: { message: 'x' } }, birth, isCommand).kind, 'reply');
  });

  it("tells Home Assistant's birth, commands, clean-ups and readings apart", () => {
    assert.deepEqual(classify({ topic: birth, payload: 'online' }, birth, isCommand), { kind: 'birth', online: true });
    assert.deepEqual(classify({ topic: birth, payload: 'offline' }, birth, isCommand), { kind: 'birth', online: false });
    assert.equal(classify({ topic: 'solar/shed/load/set', payload: 'ON' }, birth, isCommand).kind, 'command');
    assert.deepEqual(classify({ command: 'remove', device: 'shed', field: 'load_power' }, birth, isCommand), {
      kind: 'remove',
      device: 'shed',
      field: 'load_power',
    });
    assert.throws(() => classify({ command: 'remove' }, birth, isCommand), /needs msg.device/);
    assert.equal(classify({ command: 'poll', topic: 'epever-tracer/shed', payload: {} }, birth, isCommand).kind, 'reading');
  });

  it('sets expire_after on sensors and binary sensors when asked', () => {
    const bridge = new DiscoveryBridge({ ...OPTIONS, expireAfterS: 120 }, descriptorOf);
    const configs = configsOf(bridge.reading(reading('m', { voltage: 1, alarm: true }), 'pzem017', 'pzem017/m'));
    assert.equal(byId(configs, 'solar_telemetry_m_voltage').config.expire_after, 120);
    assert.equal(byId(configs, 'solar_telemetry_m_alarm').config.expire_after, 120);
    assertSchema(configs);
  });
});
