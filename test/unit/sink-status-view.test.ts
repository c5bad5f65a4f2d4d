import assert from 'node:assert/strict';
import { compact, statusView } from '../../nodes/common/sink/status-view';
import { statusWords } from '../support/timescale-words';

// The status view is the sink pipeline's; timescale-out's locale words are the ones a user reads today.
describe('sink: status view (timescale-out words)', () => {
  const figures = { state: 'up' as const, overdue: false, queued: 0, spooled: 0, lost: 0, errors: 0, rowsPerSecond: 1, freshErrors: false };
  const words = statusWords;

  it('keeps under 20 characters, most important first', () => {
    assert.equal(compact(950), '950');
    assert.equal(compact(1234), '1.2k');
    assert.equal(compact(86_400), '86k');
    assert.equal(compact(2_500_000), '2.5M');
    assert.deepEqual([999.4, 999.6, 9_960, 999_499, 999_999, 9_960_000].map(compact), ['999', '1k', '10k', '999k', '1M', '10M']);
    assert.deepEqual(statusView(figures, words), { state: 'ok', text: '1.0/s' });
    assert.deepEqual(statusView({ ...figures, state: 'down', rowsPerSecond: 0, spooled: 86_400 }, words), { state: 'retrying', text: '86k spooled' });
    assert.equal(statusView({ ...figures, freshErrors: true }, words).state, 'error');
  });

  it('shows the spool and the loss together, whatever their size', () => {
    const lossy = { ...figures, state: 'down' as const, rowsPerSecond: 0, errors: 12, queued: 500 };
    assert.deepEqual(statusView({ ...lossy, spooled: 12_345, lost: 3 }, words), { state: 'error', text: '12k spooled, 3 lost' });
    const huge = statusView({ ...lossy, spooled: 9_876_543, lost: 999_999 }, words);
    assert.deepEqual(huge, { state: 'error', text: '9.9M sp, 1M lost' });
    assert.equal(statusView({ ...figures, spooled: 40 }, words).text, '1.0/s, 40 spooled');
  });

  it('names a refusal first and in red, and a write that is overdue as waiting', () => {
    assert.deepEqual(statusView({ ...figures, state: 'down', refusal: 'auth', spooled: 20 }, words), { state: 'error', text: 'auth failed, 20 sp' });
    assert.deepEqual(statusView({ ...figures, state: 'down', refusal: 'permission' }, words), { state: 'error', text: 'no permission' });
    assert.deepEqual(statusView({ ...figures, overdue: true, queued: 30 }, words), { state: 'retrying', text: 'waiting, 30 queued' });
    for (const refusal of ['auth', 'database', 'permission', 'schema'] as const) {
      const { text } = statusView({ ...figures, state: 'down', refusal, spooled: 999_999, lost: 999_999, errors: 999, queued: 999 }, words);
      assert.ok(text.length < 20 && text.length > 0, text);
    }
  });
});
