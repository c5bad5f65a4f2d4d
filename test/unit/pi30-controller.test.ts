import assert from 'node:assert/strict';
import { Pi30CommandError, parseCommand } from '../../nodes/mpp-pi30/commands';
import { Pi30Controller, type ControllerOptions } from '../../nodes/mpp-pi30/controller';
import { FrameError, RefusedError, type Exchange } from '../../nodes/mpp-pi30/protocol/exchange';
import { decodeReply, encodeCommand } from '../../nodes/mpp-pi30/protocol/frame';
import { Pi30Simulator, type Pi30SimulatorOptions } from '../../nodes/mpp-pi30/simulator/inverter';

const NOON = () => new Date('2026-06-21T12:00:00Z');

/** The controller on the simulator, through the real codec, with no transport in between. */
function setup(options: Partial<ControllerOptions> = {}, simOptions: Pi30SimulatorOptions = {}) {
  const sim = new Pi30Simulator({ now: NOON, ...simOptions });
  const exchange: Exchange = async (command) => {
    const decoded = decodeReply(sim.answerFrame(encodeCommand(command)));
    if (!decoded.ok) throw new FrameError(decoded.problem);
    return decoded.reply;
  };
  const controller = new Pi30Controller(exchange, { queries: ['QPIGS', 'QMOD', 'QPIWS'], allowWrites: false, now: NOON, ...options });
  return { sim, controller };
}

describe('PI30 controller', () => {
  it('polls the default queries into one payload grouped one level deep, and learns the serial number', async () => {
    const { sim, controller } = setup();
    const reading = await controller.poll();
    assert.deepEqual(sim.received, ['QID', 'QPIGS', 'QMOD', 'QPIWS']);
    assert.equal(controller.serialNumber, '92932004101475');
    const p = reading.payload;
    assert.equal(p.timestamp, '2026-06-21T12:00:00.000Z');
    assert.deepEqual(Object.keys(p).sort(), ['ac_output', 'battery', 'grid', 'inverter', 'mode', 'pv', 'status', 'timestamp', 'warnings']);
    assert.equal(typeof p.mode, 'string');
    assert.equal(reading.mode, p.mode);
    assert.deepEqual(reading.issues, []);
    await controller.poll();
    assert.equal(sim.received.filter((c) => c === 'QID').length, 1, 'QID is asked once');
  });

  it('reads the energy counters for the day the host is on', async () => {
    const { sim, controller } = setup({ queries: ['energy'] });
    const { payload } = await controller.poll();
    assert.deepEqual(sim.received.slice(1), ['QET', 'QLT', 'QED20260621', 'QLD20260621']);
    const energy = payload.energy as Record<string, unknown>;
    assert.equal(energy.day, '2026-06-21');
    for (const key of ['pv_total_wh', 'load_total_wh', 'pv_day_wh', 'load_day_wh']) assert.equal(typeof energy[key], 'number', key);
  });

  it('leaves a query the model refuses out of later polls, and says so once', async () => {
    const { sim, controller } = setup({ queries: ['QPIGS', 'QPIGS2', 'energy'] }, { model: 'pi30' });
    const first = await controller.poll();
    assert.equal(first.issues.length, 2);
    assert.match(first.issues[0], /QPIGS2 refused \(NAK\): this inverter does not answer it/);
    assert.match(first.issues[1], /QET refused/);
    assert.ok(first.payload.battery);
    const second = await controller.poll();
    assert.deepEqual(second.issues, []);
    assert.deepEqual(sim.received.slice(-1), ['QPIGS'], 'the refused queries are not asked again');
  });

  it('refuses every write while writes are off, and sends nothing', async () => {
    const { sim, controller } = setup();
    for (const msg of [{ command: 'POP00' }, { command: 'set', payload: { buzzer: false } }]) {
      await assert.rejects(controller.run(parseCommand(msg)), (err: unknown) => err instanceof Pi30CommandError && /tick "allow writes"/.test(err.message));
    }
    assert.deepEqual(sim.received, []);
  });

  it('checks a battery voltage against the inverter (QPIRI) before sending it, and reports the ACK', async () => {
    const { sim, controller } = setup({ allowWrites: true });
    await controller.run(parseCommand({ command: 'PBT02' }));
    const result = await controller.run(parseCommand({ command: 'set', payload: { battery_float_voltage: 53.5 } }));
    assert.deepEqual(result, { kind: 'set', payload: { command: 'PBFT53.5', reply: 'ACK', changes: { battery_float_voltage: 53.5 } } });
    assert.deepEqual(sim.received, ['PBT02', 'QPIRI', 'PBFT53.5']);
    await assert.rejects(controller.run(parseCommand({ command: 'PBFT58.0' })), /float ≤ bulk \(56.4 V\)/);
    assert.equal(sim.received.at(-1), 'QPIRI', 'the refused setter never went out');
  });

  it('turns a NAK into an error with a hint, and says which earlier settings were accepted', async () => {
    const { controller } = setup({ allowWrites: true });
    await assert.rejects(
      controller.run(parseCommand({ command: 'PCVV57.0' })),
      (err: unknown) => err instanceof RefusedError && /inverter refused PCVV57.0 \(NAK\); battery voltages are usually only taken with battery_type "user" \(it is "agm"\)/.test(err.message),
    );
    await assert.rejects(
      controller.run(parseCommand({ command: 'set', payload: { output_source_priority: 'solar_first', battery_bulk_voltage: 57 } })),
      /refused PCVV57.0 \(NAK\).*\(after POP01 had been accepted\)/,
    );
  });

  it('checks a charging current against the inverter options (QMCHGCR)', async () => {
    const { sim, controller } = setup({ allowWrites: true });
    const result = await controller.run(parseCommand({ command: 'set', payload: { max_charging_current: 40 } }));
    assert.equal(result.kind === 'set' && 'command' in result.payload && result.payload.command, 'MCHGC040');
    await assert.rejects(controller.run(parseCommand({ command: 'MCHGC045' })), /must be one of 10, 20/);
    assert.deepEqual(sim.received, ['QMCHGCR', 'MCHGC040', 'QMCHGCR']);
  });

  it('runs any query: parsed when known, raw otherwise, an error when refused', async () => {
    const { controller } = setup({}, { model: 'pi30' });
    const qpiri = await controller.run(parseCommand({ command: 'QPIRI' }));
    assert.ok(qpiri.kind === 'query' && typeof qpiri.payload.settings === 'object');
    await assert.rejects(controller.run(parseCommand({ command: 'QPIGS2' })), /inverter refused QPIGS2 \(NAK\): this model does not answer it/);
    await assert.rejects(controller.run(parseCommand({ command: 'QPGS0' })), /refused QPGS0/);
    const qid = await controller.run(parseCommand({ command: 'QID' }));
    assert.deepEqual(qid.kind === 'query' && qid.payload.inverter, { serial_number: '92932004101475' });
    assert.equal(controller.serialNumber, '92932004101475');
  });

  it('lets a garbled reply fail the poll: no reading is made of it', async () => {
    const { sim, controller } = setup();
    sim.faults.corruptCrc = true;
    const exchange: Exchange = async (command) => {
      let reply = sim.answerFrame(encodeCommand(command));
      if (sim.faults.corruptCrc) reply = Buffer.concat([reply.subarray(0, reply.length - 3), Buffer.from([0x00, 0x00, 0x0d])]);
      const decoded = decodeReply(reply);
      if (!decoded.ok) throw new FrameError(decoded.problem);
      return decoded.reply;
    };
    const garbled = new Pi30Controller(exchange, { queries: ['QPIGS'], allowWrites: false });
    await assert.rejects(garbled.poll(), (err: unknown) => err instanceof FrameError && /CRC error/.test(err.message));
    void controller;
  });
});
