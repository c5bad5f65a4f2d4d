import assert from 'node:assert/strict';
import { RateMeter } from '../../nodes/common/sink/rate-meter';

describe('sink: rate meter', () => {
  it('averages whole past seconds over ten seconds, and forgets older ones', () => {
    let now = 1_000_000;
    const meter = new RateMeter(() => now);
    meter.add(50);
    assert.equal(meter.perSecond(), 0, 'the current second is not over yet');
    now += 1000;
    meter.add(30);
    assert.equal(meter.perSecond(), 5, '50 rows in the last whole second, over ten seconds');
    now += 1000;
    assert.equal(meter.perSecond(), 8);
    now += 10_000;
    assert.equal(meter.perSecond(), 0, 'older than the window');
  });
});
