import assert from 'node:assert/strict';
import { Backoff } from '../../nodes/common/backoff';

describe('Backoff', () => {
  it('doubles from the initial delay up to the cap, and resets', () => {
    const b = new Backoff({ initialMs: 1000, maxMs: 5000 });
    assert.equal(b.delay(), 0);
    assert.deepEqual([b.fail(), b.fail(), b.fail(), b.fail(), b.fail()], [1000, 2000, 4000, 5000, 5000]);
    b.reset();
    assert.equal(b.fail(), 1000);
  });
});
