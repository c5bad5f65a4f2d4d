import assert from 'node:assert/strict';
import { describePort, parseHidTarget, parsePortSettings } from '../../nodes/pi30-port/port-config';

describe('pi30-port settings', () => {
  it('defaults to the inverter USB device at 0665:5161, a 3 s reply deadline and one retry', () => {
    const s = parsePortSettings({});
    assert.equal(s.transport, 'usb-hid');
    assert.deepEqual(s.hid, { vendorId: 0x0665, productId: 0x5161 });
    assert.equal(s.timeoutMs, 3000);
    assert.equal(s.retries, 1);
    assert.equal(s.serial.baudRate, 2400);
    assert.equal(describePort(s), 'usb 0665:5161');
  });

  it('takes a hidraw path or another vendor:product', () => {
    assert.deepEqual(parseHidTarget('/dev/hidraw3'), { vendorId: 0x0665, productId: 0x5161, path: '/dev/hidraw3' });
    assert.deepEqual(parseHidTarget('1a86:7523'), { vendorId: 0x1a86, productId: 0x7523 });
    assert.throws(() => parseHidTarget('665:5161'), /4 hex digits each/);
    assert.equal(describePort(parsePortSettings({ transport: 'usb-hid', hidDevice: '/dev/hidraw3' })), 'usb /dev/hidraw3');
  });

  it('reads serial and TCP settings, and names what is missing or out of range', () => {
    assert.equal(describePort(parsePortSettings({ transport: 'serial', path: '/dev/ttyUSB0' })), '/dev/ttyUSB0 2400 8N1');
    assert.equal(describePort(parsePortSettings({ transport: 'tcp', host: '10.0.0.5', port: '502' })), 'tcp 10.0.0.5:502');
    assert.throws(() => parsePortSettings({ transport: 'serial' }), /serial port path is empty/);
    assert.throws(() => parsePortSettings({ transport: 'tcp' }), /host is empty/);
    assert.throws(() => parsePortSettings({ transport: 'rs485' }), /transport must be serial, tcp or usb-hid/);
    assert.throws(() => parsePortSettings({ timeoutMs: 50 }), /timeoutMs must be a whole number from 100 to 60000/);
  });
});
