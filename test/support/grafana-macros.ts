// Grafana's query macros expanded as Grafana's backend expands them, so a test can run a dashboard's queries
// as Grafana would send them.
// - SQL (PostgreSQL data source): first the global substitutions of grafana/grafana pkg/tsdb/sqleng/sql_engine.go
//   `Interpolate` ($__interval_ms, $__interval as the interval's text, $__unixEpochFrom(), $__unixEpochTo()), then
//   the macros of pkg/tsdb/grafana-postgresql-datasource/macros.go: $__time, $__timeFilter(c) -> `c BETWEEN 'from'
//   AND 'to'` (RFC 3339, UTC), $__timeFrom() / $__timeTo() -> the quoted time, $__timeGroup(c,'5m') ->
//   `floor(extract(epoch from c)/300)*300`, or `time_bucket('300.000s',c)` when the data source has TimescaleDB
//   ticked, and $__timeGroupAlias -> the same + ` AS "time"`. Documented in Grafana's "PostgreSQL query editor",
//   "Macros".
// - InfluxQL (InfluxDB data source): pkg/tsdb/influxdb/influxql query rendering: $timeFilter -> `time >= <from>ms
//   and time <= <to>ms`, $interval and $__interval -> the interval's text, $__interval_ms -> its milliseconds.
// Dashboard variables ($device) are replaced by their value, as Grafana's template service does for a
// single-value variable.

export interface GrafanaRange {
  from: number;
  to: number;
  /** The interval Grafana picked for the panel, as its text: 30s, 5m, 1h, 1d. */
  interval: string;
  variables: Record<string, string>;
}

const UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 };

/** gtime.ParseInterval for the forms dashboards use: a number and one unit. */
export function intervalMs(text: string): number {
  const m = /^(\d+)(ms|s|m|h|d|w)$/.exec(text.trim());
  if (!m) throw new Error(`interval ${text} not understood`);
  return Number(m[1]) * UNITS[m[2]];
}

/** Go's time.RFC3339Nano of a UTC time: no trailing zeros in the fraction, none at all when whole. */
function rfc3339(ms: number): string {
  return new Date(ms).toISOString().replace(/\.?0+Z$/, 'Z');
}

function variables(text: string, vars: Record<string, string>): string {
  return text.replace(/\$\{?(\w+)\}?/g, (whole, name: string) => (Object.hasOwn(vars, name) ? vars[name] : whole));
}

export function expandSql(sql: string, range: GrafanaRange, timescaledb: boolean): string {
  let text = sql
    .replaceAll('$__interval_ms', String(intervalMs(range.interval)))
    .replaceAll('$__interval', range.interval)
    .replaceAll('$__unixEpochFrom()', String(Math.floor(range.from / 1000)))
    .replaceAll('$__unixEpochTo()', String(Math.floor(range.to / 1000)));
  text = variables(text, range.variables);
  const original = text;
  return text.replace(/\$([_a-zA-Z0-9]+)\(([^)]*)\)/g, (whole: string, name: string, rawArgs: string, offset: number) => {
    const args = rawArgs.split(',').map((a) => a.trim());
    // Before Grafana 5.3, $__timeGroup followed by a comma meant the alias form; the engine still reads it so.
    const macro = name === '__timeGroup' && original[offset + whole.length] === ',' ? '__timeGroupAlias' : name;
    return sqlMacro(macro, args, range, timescaledb);
  });
}

function sqlMacro(name: string, args: string[], range: GrafanaRange, timescaledb: boolean): string {
  switch (name) {
    case '__time':
      return `${args[0]} AS "time"`;
    case '__timeFilter':
      return `${args[0]} BETWEEN '${rfc3339(range.from)}' AND '${rfc3339(range.to)}'`;
    case '__timeFrom':
      return `'${rfc3339(range.from)}'`;
    case '__timeTo':
      return `'${rfc3339(range.to)}'`;
    case '__timeGroup': {
      const seconds = intervalMs(args[1].replace(/'/g, '')) / 1000;
      return timescaledb ? `time_bucket('${seconds.toFixed(3)}s',${args[0]})` : `floor(extract(epoch from ${args[0]})/${seconds})*${seconds}`;
    }
    case '__timeGroupAlias':
      return `${sqlMacro('__timeGroup', args, range, timescaledb)} AS "time"`;
    default:
      throw new Error(`macro $${name} is not one this test expands`);
  }
}

export function expandInfluxQl(query: string, range: GrafanaRange): string {
  const text = query
    .replaceAll('$timeFilter', `time >= ${range.from}ms and time <= ${range.to}ms`)
    .replaceAll('$interval', range.interval)
    .replaceAll('$__interval_ms', String(intervalMs(range.interval)))
    .replaceAll('$__interval', range.interval);
  return variables(text, range.variables);
}
