import { describe, expect, it } from 'vitest';
import { describeScaling } from './scaling-words';
import type { Scaling } from './scalings';
import { snapshot } from './snapshot';

const base: Scaling = { time: 0, direction: 'up', trigger: 'policy', from: 4, to: 9 };

describe('a scaling in words', () => {
  it('says direction, counts and the policy', () => {
    expect(describeScaling(base)).toEqual({ title: 'Scaled up 4 → 9 by the policy', lines: [] });
  });

  it('names the person the gateway recorded for a manual scaling', () => {
    const s: Scaling = { ...base, direction: 'down', trigger: 'manual', from: 9, to: 6, by: 'alice' };
    expect(describeScaling(s).title).toBe('Scaled down 9 → 6 by alice (manual)');
    expect(describeScaling({ ...s, by: undefined }).title).toBe('Scaled down 9 → 6 by hand');
  });

  it('says what it knows when the trigger or the counts are unknown', () => {
    expect(describeScaling({ ...base, trigger: undefined }).title).toBe('Scaled up 4 → 9');
    expect(describeScaling({ ...base, to: undefined }).title).toBe('Scaled up from 4 by the policy');
    expect(
      describeScaling({ time: 0, direction: undefined, trigger: undefined, from: undefined, to: undefined })
        .title,
    ).toBe('Scaled');
  });

  it('gives the reasons in words with the figures at the scaling', () => {
    const figures = snapshot({
      backlogTime: [{ times: [0], values: [300], labels: {} }],
      scaleUpBacklogTime: [{ times: [0], values: [120], labels: {} }],
    });
    const s: Scaling = { ...base, reasons: ['backlog-time-high', 'something-new'], figures };
    expect(describeScaling(s).lines).toEqual(['Backlog time 5 min is above 2 min.', 'something-new']);
  });

  it('leaves out the manual reason code: the title says it', () => {
    const s: Scaling = { ...base, trigger: 'manual', by: 'bob', reasons: ['manual'] };
    expect(describeScaling(s).lines).toEqual([]);
  });
});
