// The ha-discovery node alone in a real Node-RED: bad input, replies that are no readings, a bad setting.
import assert from 'node:assert/strict';
import { catchNode, collect, getNode, helper, nextMessage, onTab, statuses, waitFor } from '../support/node-red';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const haDiscoveryNode = require('../../nodes/ha-discovery/ha-discovery');

function flow(settings: Record<string, unknown> = {}) {
  return onTab(
    [],
    [
      { id: 'ha', type: 'ha-discovery', controls: true, wires: [['mqtt'], ['commands']], ...settings },
      { id: 'mqtt', type: 'helper' },
      { id: 'commands', type: 'helper' },
      { id: 'catch', type: 'catch', scope: ['ha'], uncaught: false, wires: [['caught']] },
      { id: 'caught', type: 'helper' },
    ],
  );
}

const reading = { topic: 'pzem017/meter', device: 'meter', payload: { timestamp: '2026-06-21T12:00:00Z', voltage: 13.1 } };

describe('ha-discovery node', () => {
  beforeEach(async () => {
    await helper.startServer();
  });

  afterEach(async () => {
    await helper.unload();
    await helper.stopServer();
  });

  it('answers a message that is no reading with done(err) and a red status, and takes the next reading', async () => {
    await helper.load([haDiscoveryNode, catchNode], flow());
    const seen = statuses('ha');
    const caught = nextMessage('caught');
    getNode('ha').receive({ topic: 'x', payload: 'not a reading' });
    assert.match(((await caught).error as { message: string }).message, /msg.payload must be an object/);
    assert.equal(seen.at(-1)?.fill, 'red');
    const out = nextMessage('mqtt');
    getNode('ha').receive(reading);
    const first = await out;
    assert.equal(typeof first.topic, 'string');
    assert.equal(first.retain, true);
    assert.equal(seen.at(-1)?.fill, 'green');
  });

  it("publishes nothing for a device node reply to a command of the user's own, and refuses unknown command topics", async () => {
    await helper.load([haDiscoveryNode, catchNode], flow());
    const published = collect('mqtt');
    getNode('ha').receive(reading);
    await waitFor(() => published.length > 0, 2000, 'the first publish');
    const count = published.length;
    getNode('ha').receive({ topic: 'epever-tracer/shed', device: 'shed', command: 'read-settings', payload: { float_voltage: 13.8 } });
    const caught = nextMessage('caught');
    getNode('ha').receive({ topic: 'solar/meter/load/set', payload: 'ON' });
    assert.match(((await caught).error as { message: string }).message, /meter has no control load/);
    assert.equal(published.length, count, 'the reply made no entities');
  });

  it('refuses every message when a setting is wrong, saying which', async () => {
    await helper.load([haDiscoveryNode, catchNode], flow({ base: 'solar/#' }));
    const caught = nextMessage('caught');
    getNode('ha').receive(reading);
    assert.match(((await caught).error as { message: string }).message, /base topic must be an MQTT topic without wildcards/);
  });
});
