import assert from 'node:assert/strict';
import { DeviceBackedOffError } from '../../nodes/common/bus-queue';
import { LinkDownError } from '../../nodes/common/shared-link';
import { EpeverCommandError, failureKind as epeverFailureKind } from '../../nodes/epever-tracer/commands';
import { SettingsError } from '../../nodes/epever-tracer/settings';
import { ModbusTransactionError } from '../../nodes/modbus-bus/modbus-client';
import { Pi30CommandError, failureKind as pi30FailureKind } from '../../nodes/mpp-pi30/commands';
import { FrameError, RefusedError } from '../../nodes/mpp-pi30/protocol/exchange';
import { IncompleteReplyError, NoAnswerError } from '../../nodes/pi30-port/errors';

describe('failure kinds of the device engines', () => {
  it('epever-tracer: its own refusals are bad input; Modbus failures keep their kind', () => {
    assert.equal(epeverFailureKind(new EpeverCommandError('unknown command "x"')), 'bad-input');
    assert.equal(epeverFailureKind(new SettingsError('boost above equalize')), 'bad-input');
    assert.equal(epeverFailureKind(new ModbusTransactionError('no-answer', 'unit 1: no answer')), 'no-answer');
    assert.equal(epeverFailureKind(new ModbusTransactionError('garbled', 'unit 1: garbled answer (CRC error)')), 'garbled');
    assert.equal(epeverFailureKind(new ModbusTransactionError('refused', 'unit 1 refused: Illegal data address', 2)), 'refused');
    assert.equal(epeverFailureKind(new DeviceBackedOffError(1, 5000)), 'backed-off');
    assert.equal(epeverFailureKind(new LinkDownError('ECONNREFUSED', 'bus')), 'link-down');
    // modbus-serial's own errors, before the bus rewrites them.
    assert.equal(epeverFailureKind(Object.assign(new Error('Timed out'), { errno: 'ETIMEDOUT' })), 'no-answer');
    assert.equal(epeverFailureKind(Object.assign(new Error('Modbus exception 2: Illegal data address'), { modbusCode: 2 })), 'refused');
    assert.equal(epeverFailureKind(new Error('Port Not Open')), 'error');
  });

  it('mpp-pi30: its own refusals are bad input; port and inverter failures keep their kind', () => {
    assert.equal(pi30FailureKind(new Pi30CommandError('msg.command must be a string')), 'bad-input');
    assert.equal(pi30FailureKind(new RefusedError('inverter refused QPIGS2 (NAK)')), 'refused');
    assert.equal(pi30FailureKind(new FrameError('QPIGS: CRC mismatch')), 'garbled');
    assert.equal(pi30FailureKind(new IncompleteReplyError('reply cut short')), 'garbled');
    assert.equal(pi30FailureKind(new NoAnswerError('no reply within 3000 ms')), 'no-answer');
    assert.equal(pi30FailureKind(new DeviceBackedOffError('inverter', 5000)), 'backed-off');
    assert.equal(pi30FailureKind(new LinkDownError('ENOENT')), 'link-down');
    assert.equal(pi30FailureKind(new TypeError('x is undefined')), 'error');
  });
});
