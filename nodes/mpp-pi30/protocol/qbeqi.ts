// QBEQI: battery equalization settings and state.
import { FieldReader, type Parsed } from './fields';

export type Equalization = {
  enabled?: boolean;
  time_min?: number;
  period_days?: number;
  max_current?: number;
  voltage?: number;
  over_time_min?: number;
  active?: boolean;
  elapsed_hours?: number;
};
export type QbeqiValues = { equalization: Equalization };

export function parseQbeqi(text: string): Parsed<QbeqiValues> {
  const r = new FieldReader('QBEQI', text);
  const equalization: Equalization = {
    enabled: r.flag(0, 'equalization enabled'),
    time_min: r.number(1, 'equalization time'),
    period_days: r.number(2, 'equalization period'),
    max_current: r.number(3, 'equalization max current'),
    voltage: r.number(5, 'equalization voltage'),
    over_time_min: r.number(7, 'equalization over time'),
    active: r.flag(8, 'equalization active'),
    elapsed_hours: r.number(9, 'equalization elapsed time'),
  };
  // Fields 5 and 7 are reserved.
  r.finish(10, 10);
  return r.result({ equalization });
}
