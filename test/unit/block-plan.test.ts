import assert from 'node:assert/strict';
import { planBlocks, withinRanges } from '../../nodes/common/modbus/block-plan';
import { pollPlan } from '../../nodes/epever-tracer/reading';
import { REALTIME, STATISTICS, STATUS } from '../../nodes/epever-tracer/register-map';

describe('block planning', () => {
  it('merges contiguous registers and respects the 125-word cap', () => {
    const defs = Array.from({ length: 130 }, (_, i) => ({ address: i, words: 1 }));
    const blocks = planBlocks(defs, () => false);
    assert.deepEqual(blocks.map((b) => [b.start, b.count]), [[0, 125], [125, 5]]);
  });

  it('bridges gaps only inside ranges the device answers', () => {
    const rule = withinRanges([[0, 10]]);
    const blocks = planBlocks([{ address: 0, words: 1 }, { address: 8, words: 2 }, { address: 12, words: 1 }], rule);
    assert.deepEqual(blocks.map((b) => [b.start, b.count, b.members.length]), [[0, 10, 2], [12, 1, 1]]);
  });

  it('plans an Epever poll as 3 block reads, 5 with statistics, covering every register', () => {
    const basic = pollPlan({ status: false, statistics: false });
    assert.deepEqual(basic.map((b) => [b.start, b.count]), [[0x3100, 0x13], [0x311a, 4], [0x3200, 3]]);
    const full = pollPlan({ status: true, statistics: true });
    assert.deepEqual(full.map((b) => [b.start, b.count]), [[0x3100, 0x13], [0x311a, 4], [0x3200, 3], [0x3300, 0x16], [0x331b, 2]]);
    const covered = full.flatMap((b) => b.members.map((m) => m.name)).sort();
    assert.deepEqual(covered, [...REALTIME, ...STATUS, ...STATISTICS].map((d) => d.name).sort());
  });
});
