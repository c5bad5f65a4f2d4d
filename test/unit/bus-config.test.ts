import assert from 'node:assert/strict';
import { interFrameGapMs, parseBusSettings } from '../../nodes/modbus-bus/bus-config';

describe('modbus-bus settings', () => {
  it('defaults to a 1000 ms timeout and one retry', () => {
    const s = parseBusSettings({ transport: 'serial', path: '/dev/ttyUSB0' });
    assert.equal(s.timeoutMs, 1000);
    assert.equal(s.retries, 1);
  });

  it('waits at least 3.5 characters between serial frames', () => {
    // 9600 8N2: 11 bits a character -> 3.5 * 11 / 9600 s = 4.01 ms
    assert.equal(interFrameGapMs({ path: 'x', baudRate: 9600, dataBits: 8, parity: 'none', stopBits: 2 }).toFixed(2), '4.01');
    assert.equal(interFrameGapMs({ path: 'x', baudRate: 115200, dataBits: 8, parity: 'none', stopBits: 1 }), 1.75);
    const s = parseBusSettings({ transport: 'serial', path: '/dev/ttyUSB0', baudRate: '9600', stopBits: '2', gapMs: '1' });
    assert.ok(s.gapMs > 4);
  });

  it('never accepts a missing timeout as "none"', () => {
    assert.equal(parseBusSettings({ transport: 'tcp', host: 'gw', timeoutMs: '' }).timeoutMs, 1000);
    assert.throws(() => parseBusSettings({ transport: 'tcp', host: 'gw', timeoutMs: '0' }), /timeoutMs must be a whole number from 50/);
  });

  it('names the field that is wrong', () => {
    assert.throws(() => parseBusSettings({ transport: 'serial', path: '' }), /serial port path is empty/);
    assert.throws(() => parseBusSettings({ transport: 'tcp', host: '' }), /host is empty/);
    assert.throws(() => parseBusSettings({ transport: 'carrier-pigeon' }), /transport must be one of/);
    assert.throws(() => parseBusSettings({ transport: 'tcp', host: 'gw', port: '70000' }), /port must be a whole number/);
    assert.throws(() => parseBusSettings({ transport: 'serial', path: 'x', parity: 'mark' }), /parity must be one of none, even, odd/);
  });
});
