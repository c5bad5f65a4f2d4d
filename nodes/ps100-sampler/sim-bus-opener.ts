// The simulated bus a node opens when its source is "simulator": one chip per listed panel (INA226 where the
// panel says auto), each on a panel that follows the sun. Kept by bus number so tests can inject faults.
import { performance } from 'node:perf_hooks';
import type { Site } from '../common/simulator/day';
import type { I2cOpener } from './i2c';
import type { PanelConfig } from './sampler';
import { SimI2cBus } from './sim-bus';
import { SimChip } from './sim-chip';
import { simPanel } from './sim-panel';

/** Where the simulated panels stand (the demo's site). */
export const SIM_SITE: Site = { latitudeDeg: 47.4, longitudeDeg: 8.5 };

const buses = new Map<number, SimI2cBus>();

/** The moment whose sun the panels get, from the wall time: the wall time itself unless a demo set its day. */
let sunTime: (wallMs: number) => number = (wallMs) => wallMs;

/**
 * Makes the panels opened from now on follow a simulated day (the demo's: its time of day and speed) instead of
 * the real sun; undefined returns to the real sun.
 */
export function followSimulatedDay(simulated: ((wallMs: number) => number) | undefined): void {
  sunTime = simulated ?? ((wallMs) => wallMs);
}

/** The simulated bus last opened under this number, for fault injection. */
export function simulatedBus(busNumber: number): SimI2cBus | undefined {
  return buses.get(busNumber);
}

export function simBusFor(panels: readonly PanelConfig[], site: Site = SIM_SITE, clock: () => number = () => performance.now()): SimI2cBus {
  const bus = new SimI2cBus();
  const epochAtZero = Date.now() - clock();
  panels.forEach((panel, index) => {
    const source = simPanel({ ratedPowerW: panel.ratedPowerW, site, index, epochAtZero, sunTime });
    bus.attach(panel.address, new SimChip({ model: panel.chip === 'INA219' ? 'INA219' : 'INA226', shuntOhms: panel.shuntOhms, source, clock }));
  });
  return bus;
}

export function simulatorOpener(panels: readonly PanelConfig[]): I2cOpener {
  return async (busNumber) => {
    const bus = simBusFor(panels);
    buses.set(busNumber, bus);
    return bus;
  };
}
