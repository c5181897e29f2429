/** data-testid values of the fleet view, for the component tests, the browser test and the benchmark. */
export const FLEET_IDS = {
  view: 'fas-fleet',
  headline: 'fas-fleet-headline',
  saved: 'fas-fleet-saved',
  totals: 'fas-fleet-totals',
  list: (key: string) => `fas-fleet-list-${key}`,
  row: 'fas-fleet-row',
  sparkline: 'fas-fleet-sparkline',
  decision: 'fas-fleet-decision',
  hold: 'fas-fleet-hold',
} as const;
