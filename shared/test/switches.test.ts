/** The sidecar's switches: their names (as the policy options' rules make them) and their values. */
import { describe, expect, it } from 'vitest';
import {
  SWITCH_SPECS,
  parseSwitchText,
  switchAnnotation,
  switchChartValue,
  switchFlag,
  switchFor,
} from '../src/index.js';

const ALLOW = SWITCH_SPECS[0];

describe('switches', () => {
  it('are named by the rules of the policy options: flag, annotation, chart value', () => {
    expect(ALLOW.path).toBe('allowNativeMode');
    expect(ALLOW.default).toBe(false);
    expect(switchFlag(ALLOW)).toBe('--allow-native-mode');
    expect(switchAnnotation(ALLOW)).toBe('flink-autoscaler.io/allow-native-mode');
    expect(switchChartValue(ALLOW)).toBe('policy.allowNativeMode');
  });

  it('read true or false in any case, as Flink reads a boolean, and refuse the rest by name', () => {
    expect(parseSwitchText('true')).toEqual({ ok: true, value: true });
    expect(parseSwitchText(' TRUE ')).toEqual({ ok: true, value: true });
    expect(parseSwitchText('False')).toEqual({ ok: true, value: false });
    for (const text of ['yes', '1', 'on', ''])
      expect(parseSwitchText(text)).toEqual({
        ok: false,
        message: `must be true or false, got ${JSON.stringify(text)}`,
      });
  });

  it('per job: a valid annotation overrides the base; a bad one is reported and ignored', () => {
    const key = 'flink-autoscaler.io/allow-native-mode';
    expect(switchFor(ALLOW, undefined, false)).toEqual({ value: false });
    expect(switchFor(ALLOW, {}, true)).toEqual({ value: true });
    expect(switchFor(ALLOW, { [key]: 'true' }, false)).toEqual({ value: true });
    expect(switchFor(ALLOW, { [key]: 'false' }, true)).toEqual({ value: false });
    expect(switchFor(ALLOW, { [key]: 'maybe' }, true)).toEqual({
      value: true,
      issue: `${key} must be true or false, got "maybe"; ignored`,
    });
  });
});
