import { describe, expect, it } from 'vitest';
import { gateText } from './words';

describe('gates in words', () => {
  it('says the sidecar’s own gates in words, and an unknown code as it is', () => {
    expect(gateText('paused')).toMatch(/Paused/);
    expect(gateText('not-leader')).toMatch(/Lease/);
    expect(gateText('flinkdeployment-gone')).toMatch(/gone/);
    expect(gateText('manual-hold')).toBe('A manual scale holds the policy.');
    expect(gateText('something-new')).toBe('something-new');
  });
});
