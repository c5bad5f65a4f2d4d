// Simulators' surroundings over a day: where the sun is, how much of it reaches the panel, how warm it is and
// what a small household draws. Pure functions of time and place, deterministic per calendar day.

export interface Site {
  readonly latitudeDeg: number;
  readonly longitudeDeg: number;
}

const DEG = Math.PI / 180;
const DAY_MS = 86_400_000;

function dayOfYear(t: Date): number {
  return Math.floor((t.getTime() - Date.UTC(t.getUTCFullYear(), 0, 1)) / DAY_MS) + 1;
}

/** Local apparent solar time in hours (12 = sun highest), from longitude and the equation of time. */
export function solarHours(t: Date, site: Site): number {
  const b = (2 * Math.PI * (dayOfYear(t) - 81)) / 364;
  const equationOfTimeMin = 9.87 * Math.sin(2 * b) - 7.53 * Math.cos(b) - 1.5 * Math.sin(b);
  const utcHours = t.getUTCHours() + t.getUTCMinutes() / 60 + t.getUTCSeconds() / 3600 + t.getUTCMilliseconds() / 3.6e6;
  const h = utcHours + site.longitudeDeg / 15 + equationOfTimeMin / 60;
  return ((h % 24) + 24) % 24;
}

function declinationRad(t: Date): number {
  return 23.44 * DEG * Math.sin((2 * Math.PI * (284 + dayOfYear(t))) / 365);
}

export function solarElevationDeg(t: Date, site: Site): number {
  const lat = site.latitudeDeg * DEG;
  const dec = declinationRad(t);
  const hourAngle = 15 * DEG * (solarHours(t, site) - 12);
  const sinElevation = Math.sin(lat) * Math.sin(dec) + Math.cos(lat) * Math.cos(dec) * Math.cos(hourAngle);
  return Math.asin(Math.max(-1, Math.min(1, sinElevation))) / DEG;
}

/** A number in [0, 1) fixed for a given calendar day and salt, so weather repeats for the same date. */
function dayHash(t: Date, salt: number): number {
  let x = (t.getUTCFullYear() * 1000 + dayOfYear(t)) ^ Math.imul(salt, 0x9e3779b1);
  x = Math.imul(x ^ (x >>> 16), 0x85ebca6b);
  x = Math.imul(x ^ (x >>> 13), 0xc2b2ae35);
  x ^= x >>> 16;
  return (x >>> 0) / 0x1_0000_0000;
}

/** How clear the sky is today, 0.35 (overcast) to 1 (clear); most days are fair. */
export function clearnessOfDay(t: Date): number {
  return 0.35 + 0.65 * Math.sqrt(dayHash(t, 1));
}

/**
 * Irradiance on the panel as a fraction of the 1000 W/m² rating. The panel is tilted at the latitude and
 * faces the equator, so the sun's incidence on it is cos(declination)·cos(hour angle).
 */
export function panelIrradiance(t: Date, site: Site): number {
  const elevation = solarElevationDeg(t, site);
  if (elevation <= 0) return 0;
  const airMass = 1 / Math.max(Math.sin(elevation * DEG), 0.03);
  const beam = 1.353 * 0.7 ** (airMass ** 0.678);
  const hourAngle = 15 * DEG * (solarHours(t, site) - 12);
  const incidence = Math.max(0, Math.cos(declinationRad(t)) * Math.cos(hourAngle));
  const diffuse = 0.1 * beam * Math.sin(elevation * DEG);
  const clearness = clearnessOfDay(t);
  // Passing clouds: only a hazy day flickers; a clear one stays smooth.
  const seconds = t.getTime() / 1000;
  const phase = dayHash(t, 2) * 2 * Math.PI;
  const flicker = 0.5 * (1 + Math.sin((2 * Math.PI * seconds) / 1380 + phase) * Math.sin((2 * Math.PI * seconds) / 530));
  const cloud = clearness * (1 - (1 - clearness) * 0.6 * flicker);
  return Math.max(0, (beam * incidence + diffuse) * cloud);
}

/** Air temperature, °C: a seasonal mean by latitude plus a daily swing peaking mid-afternoon. */
export function ambientTemperature(t: Date, site: Site): number {
  const summerDay = site.latitudeDeg >= 0 ? 196 : 15;
  const mean = 25 - 0.3 * Math.abs(site.latitudeDeg) + 9 * Math.cos((2 * Math.PI * (dayOfYear(t) - summerDay)) / 365);
  return mean + 5 * Math.cos((2 * Math.PI * (solarHours(t, site) - 15)) / 24);
}

/** What the household connected to the load output draws, W: always-on base, morning and evening peaks. */
export function householdLoadWatts(t: Date, site: Site): number {
  const h = solarHours(t, site);
  let watts = 10;
  if (h >= 6.5 && h < 8) watts += 20;
  if (h >= 18 && h < 23) watts += 35;
  // A small fridge compressor: on 12 minutes of every 40.
  if (Math.floor(t.getTime() / 60_000) % 40 < 12) watts += 18;
  return watts;
}
