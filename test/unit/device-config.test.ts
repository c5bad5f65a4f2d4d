import assert from 'node:assert/strict';
import { flag, intervalMs, modbusUnitId, text } from '../../nodes/common/config-fields';
import { parseDeviceConfig, topicOf } from '../../nodes/common/device-config';
import { parseEpeverConfig } from '../../nodes/epever-tracer/node-config';
import { parsePi30Config } from '../../nodes/mpp-pi30/node-config';

const DEFAULTS = { type: 'pzem017', measurement: 'pzem017', intervalS: 10, deviceId: 'pzem-1' };

describe('shared config fields', () => {
  it('reads text trimmed, with a fallback for blank', () => {
    assert.equal(text({ topic: '  solar/a ' }, 'topic'), 'solar/a');
    assert.equal(text({ topic: '   ' }, 'topic', 'x'), 'x');
    assert.equal(text({}, 'topic'), '');
  });

  it('counts only a ticked box as on', () => {
    assert.equal(flag({ allowWrites: true }, 'allowWrites'), true);
    assert.equal(flag({ allowWrites: 'true' }, 'allowWrites'), false);
    assert.equal(flag({}, 'allowWrites'), false);
  });

  it('reads an interval in seconds into ms: 0 for never, fractions allowed, too short refused', () => {
    assert.equal(intervalMs({ interval: '2.5' }, 'interval', 60, 1), 2500);
    assert.equal(intervalMs({ interval: 0 }, 'interval', 60, 1), 0);
    assert.equal(intervalMs({ interval: '' }, 'interval', 60, 1), 60000);
    assert.throws(() => intervalMs({ interval: '0.5' }, 'interval', 60, 1), /at least 1 s, got 0.5/);
    assert.throws(() => intervalMs({ interval: 'soon' }, 'interval', 60, 1), /got soon/);
  });

  it('reads a Modbus unit id 1-247', () => {
    assert.equal(modbusUnitId({}), 1);
    assert.equal(modbusUnitId({ unitId: '247' }), 247);
    assert.throws(() => modbusUnitId({ unitId: 0 }), /unit id must be 1-247, got 0/);
    assert.throws(() => modbusUnitId({ unitId: 248 }), /unit id must be 1-247/);
  });
});

describe('device config', () => {
  it("takes the device id from the field, else the name, else the node's fallback", () => {
    assert.equal(parseDeviceConfig({ deviceId: ' bank-a ', name: 'Shed' }, DEFAULTS).deviceId, 'bank-a');
    assert.equal(parseDeviceConfig({ name: 'Shed Meter #2' }, DEFAULTS).deviceId, 'shed-meter-2');
    const unnamed = parseDeviceConfig({}, DEFAULTS);
    assert.equal(unnamed.deviceId, 'pzem-1');
    assert.equal(unnamed.deviceIdSet, false);
  });

  it("defaults the topic to <type>/<device id>, the measurement and the interval to the node's", () => {
    const config = parseDeviceConfig({ name: 'Shed' }, DEFAULTS);
    assert.equal(topicOf(config), 'pzem017/shed');
    assert.equal(topicOf(config, 'serial-9'), 'pzem017/serial-9');
    assert.equal(topicOf(parseDeviceConfig({ topic: 'solar/dc' }, DEFAULTS)), 'solar/dc');
    assert.equal(config.measurement, 'pzem017');
    assert.equal(config.intervalMs, 10000);
    assert.equal(config.allowWrites, false);
  });

  it('keeps the epever-tracer and mpp-pi30 defaults', () => {
    const epever = parseEpeverConfig({ unitId: '3' });
    assert.deepEqual(
      [epever.deviceId, topicOf(epever), epever.measurement, epever.intervalMs],
      ['epever-3', 'epever-tracer/epever-3', 'epever_tracer', 60000],
    );
    const pi30 = parsePi30Config({ name: 'Inverter' });
    assert.deepEqual([pi30.deviceId, pi30.deviceIdSet, pi30.topic, pi30.measurement, pi30.intervalMs], ['inverter', false, '', 'mpp_pi30', 30000]);
    assert.equal(parsePi30Config({}).deviceId, 'mpp-pi30');
  });
});
