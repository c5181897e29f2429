import { describe, expect, it } from 'vitest';
import { plugin } from './module';

describe('the plugin module', () => {
  it('declares every option once in the builder, with its default', () => {
    expect(plugin.defaults).toEqual({
      showCharts: true,
      scalingsShown: 5,
      scaleEnabled: true,
      scaleApiPath: 'api/plugin-proxy/fas-flinkautoscaler-app/gateway',
      holdMinutes: 30,
    });
  });
});
