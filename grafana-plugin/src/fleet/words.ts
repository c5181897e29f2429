/**
 * A fleet row in words: the decision as the job panel says it (policy/words.ts `headline`), and what keeps
 * the sidecar from carrying it out (the panel's words for gates, the advisor mode and guards), each with a
 * short name for the row and the full sentence for its tooltip.
 */
import { gateText, guardText, headline, modeText } from '../policy/words';
import type { FleetRow } from './model';

export interface Hold {
  /** A few words: "paused", "manual hold", "advisor", "guard: native-mode". */
  label: string;
  /** The panel's sentence for it. */
  text: string;
}

export function decisionWords(row: FleetRow): string {
  return headline(row.snapshot);
}

export function holdsOf(row: FleetRow): Hold[] {
  return [
    ...row.holds.map((hold) =>
      hold === 'advisor'
        ? { label: 'advisor', text: modeText('advisor') }
        : { label: hold.replace('-', ' '), text: gateText(hold) },
    ),
    ...row.guards.map((guard) => ({ label: `guard: ${guard}`, text: guardText(guard) })),
  ];
}
