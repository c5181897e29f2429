import { describe, expect, it } from 'vitest';
import { pendingShort, reportersOf } from '../src/flink/pending-records.js';

const ID = 'Source__Kafka_Source.pendingRecords';
const trusted = (idleSubtasks: number) =>
  ({ from: 'kafka-source', partitions: 24, topics: 1, idleSubtasks }) as const;

describe("a FLIP-33 backlog's reporters", () => {
  it('are sum / avg of Flink’s aggregate, the fewest over the ids', () => {
    expect(reportersOf([{ id: ID, sum: 2400, avg: 100, min: 100 }], [ID])).toBe(24);
    // a subtask reporting more than another: avg is still the mean over the reporters
    expect(reportersOf([{ id: ID, sum: 1000, avg: 1000 / 3, min: 0 }], [ID])).toBe(3);
    expect(
      reportersOf(
        [
          { id: ID, sum: 2400, avg: 100 },
          { id: 'b', sum: 50, avg: 10 },
        ],
        [ID, 'b'],
      ),
    ).toBe(5);
  });

  it('cannot be counted when every reporter says 0, or the aggregate lacks avg', () => {
    expect(reportersOf([{ id: ID, sum: 0, avg: 0 }], [ID])).toBeUndefined();
    expect(reportersOf([{ id: ID, sum: 5 }], [ID])).toBeUndefined();
    expect(reportersOf([], [ID])).toBeUndefined();
  });
});

describe('a Kafka source’s pendingRecords is short', () => {
  it('when fewer subtasks reported it than read a partition (30 subtasks, 6 idle: 24 must)', () => {
    expect(pendingShort('src', { reporters: 20 }, trusted(6), 30)).toMatch(
      /pendingRecords from 20 of the 24 subtasks that read a partition/,
    );
    expect(pendingShort('src', { reporters: 24 }, trusted(6), 30)).toBeUndefined();
    // all at 0: not countable, not judged
    expect(pendingShort('src', { reporters: undefined }, trusted(0), 24)).toBeUndefined();
  });

  it('when the partition listing was read and found short, with its reason', () => {
    const listing = {
      from: 'kafka-source',
      reason: '4 of 24 subtasks read no partition',
      incomplete: true,
    } as const;
    expect(pendingShort('src', { reporters: 20 }, listing, 24)).toMatch(
      /not listed yet \(4 of 24 subtasks read no partition\)/,
    );
  });

  it('is not judged when no listing could be read (refused, failed): that says nothing of the readers', () => {
    const refused = {
      from: 'kafka-source',
      reason: 'the last listing was refused',
      incomplete: false,
    } as const;
    expect(pendingShort('src', { reporters: 3 }, refused, 24)).toBeUndefined();
  });
});
