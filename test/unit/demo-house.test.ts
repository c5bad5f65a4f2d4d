// The demo's house sensors: plain numbers on the old `house/<sensor>` topics that follow the simulated day, so
// the MPP-Solar monitor's House page and /metrics have values without real sensors.
import assert from 'node:assert/strict';
import { houseSensors, startHouseSensors } from '../../scripts/demo/house';

describe('demo house sensors', () => {
  it('warms the rooms through the afternoon and cools them at night', () => {
    const afternoon = houseSensors(new Date('2026-06-21T15:00:00Z'));
    const night = houseSensors(new Date('2026-06-21T03:00:00Z'));
    assert.ok(afternoon.living_room_temperature > night.living_room_temperature);
    assert.ok(afternoon.outdoor_temperature > night.outdoor_temperature);
    assert.equal(afternoon.fridge_power, 85, 'the fridge runs the first 20 minutes of each hour');
    assert.equal(houseSensors(new Date('2026-06-21T15:30:00Z')).fridge_power, 2);
  });

  it('publishes every sensor at once as a plain number on house/<sensor>', () => {
    const sent: [string, string][] = [];
    const stop = startHouseSensors((topic, payload) => sent.push([topic, payload]), {
      speed: 1,
      offsetMs: 0,
      now: () => new Date('2026-06-21T12:00:00Z'),
    });
    stop();
    assert.deepEqual(
      sent.map(([topic]) => topic),
      Object.keys(houseSensors(new Date())).map((sensor) => `house/${sensor}`),
    );
    for (const [, payload] of sent) assert.match(payload, /^-?\d+(\.\d)?$/);
  });
});
