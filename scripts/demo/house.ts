// House sensors for the MPP-Solar monitor's `house/<sensor>` topics: the old system's room sensors published a
// plain number each; in the demo a few follow the simulated day (rooms warm through the afternoon, the fridge
// cycles) and are published on the embedded broker, retained, like the real sensors' last values.
import type { SimulatorClock } from './simulator';

/** Publishes one retained MQTT message on the demo's broker. */
export type Publish = (topic: string, payload: string) => void;

const PUBLISH_EVERY_MS = 30_000;

/** The sensors' values at simulated time `at`: a day curve peaking mid-afternoon, the fridge on 20 of every 60 minutes. */
export function houseSensors(at: Date): Record<string, number> {
  const hours = at.getUTCHours() + at.getUTCMinutes() / 60;
  // 1 at 15:00, -1 at 03:00.
  const day = Math.cos(((hours - 15) / 24) * 2 * Math.PI);
  const round1 = (x: number) => Math.round(x * 10) / 10;
  return {
    living_room_temperature: round1(21 + 1.5 * day),
    bedroom_temperature: round1(19.5 + 1.2 * day),
    outdoor_temperature: round1(12 + 7 * day),
    living_room_humidity: round1(48 - 6 * day),
    fridge_power: at.getUTCMinutes() < 20 ? 85 : 2,
  };
}

/** Publishes every sensor now and every 30 s; returns the stop function. */
export function startHouseSensors(publish: Publish, clock: SimulatorClock): () => void {
  const tick = () => {
    for (const [sensor, value] of Object.entries(houseSensors(clock.now()))) publish(`house/${sensor}`, String(value));
  };
  tick();
  const timer = setInterval(tick, PUBLISH_EVERY_MS);
  timer.unref();
  return () => clearInterval(timer);
}
