/**
 * One scaling in words, for the list of last scalings and the markers on the charts: a title saying the
 * direction, the worker counts and who (the policy, or the person the gateway recorded), and the policy's
 * reasons in words with the figures at that time (policy/words.ts).
 */
import { reasonText } from '../policy/words';
import type { Scaling } from './scalings';
import { snapshot } from './snapshot';

function counts(s: Scaling): string {
  if (s.from !== undefined && s.to !== undefined) return `${s.from} → ${s.to}`;
  if (s.from !== undefined) return `from ${s.from}`;
  if (s.to !== undefined) return `to ${s.to}`;
  return '';
}

function who(s: Scaling): string {
  if (s.trigger === 'policy') return 'by the policy';
  if (s.trigger === 'manual') return s.by ? `by ${s.by} (manual)` : 'by hand';
  return '';
}

export function describeScaling(s: Scaling): { title: string; lines: string[] } {
  const verb = s.direction === undefined ? 'Scaled' : `Scaled ${s.direction}`;
  const title = [verb, counts(s), who(s)].filter(Boolean).join(' ');
  const figures = s.figures ?? snapshot({});
  const lines = (s.reasons ?? [])
    .filter((code) => code !== 'manual')
    .map((code) => reasonText(code, figures));
  return { title, lines };
}
