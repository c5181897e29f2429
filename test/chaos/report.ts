/**
 * The chaos soak's figures: the keys it owns in test/bench/chaos.json (merged into what is there, so the
 * fleet's keys stay) and the table of test/bench/chaos.md.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { format } from 'prettier';
import type { Verdict } from './judge.js';
import type { SoakRecords } from './records.js';

export const TARGETS = {
  wrongScales: 0,
  doubleScales: 0,
  lostState: 0,
  steadyRequestsPerMinutePerSidecar: 2,
  firstMinuteRequestsAfterRestartPerSidecar: 3,
};

const round = (n: number, digits = 2) =>
  Number.isFinite(n) ? Math.round(n * 10 ** digits) / 10 ** digits : null;

/** The soak's figures, under the names issue 10 gives them. */
export function figures(records: SoakRecords, verdict: Verdict): Record<string, unknown> {
  const firstMinute = verdict.requests.firstMinuteAfterRestart;
  return {
    wrongScales: verdict.counts.wrongScales,
    doubleScales: verdict.counts.doubleScales,
    lostState: verdict.counts.lostState,
    steadyRequestsPerMinutePerSidecar: round(verdict.requests.steadyPerMinutePerSidecar),
    firstMinuteRequestsAfterRestartPerSidecar: firstMinute.length === 0 ? null : Math.max(...firstMinute),
    recoverySeconds: Object.fromEntries(
      Object.entries(verdict.recoveries).map(([kind, r]) => [
        kind,
        {
          count: r.count,
          median: r.medianSeconds,
          max: r.maxSeconds,
          unrecovered: r.unrecovered,
          interrupted: r.interrupted,
        },
      ]),
    ),
    chaosSoak: {
      seed: records.seed,
      jobHours: round((records.end - records.start) / 3_600_000, 2),
      timeScale: records.timeScale,
      sidecars: records.sidecars,
      trace: records.trace,
      faults: verdict.faults,
      scalesBySidecars: verdict.scales.bySidecars,
      scalesByPeople: verdict.scales.byPeople,
      steadyMinutes: verdict.requests.steadyMinutes,
      steadyRequestsPerMinuteBySidecar: verdict.requests.steadyPerSidecar.map((n) => round(n)),
      steadyBusiestMinute: verdict.requests.steadyMaxMinute,
      firstMinuteAfterEachRestart: firstMinute,
      flinkAnswers: verdict.flinkAnswers,
      sidecarCrashes: verdict.crashes.length,
    },
  };
}

/**
 * Merges the soak's figures into the JSON file (other keys, such as the fleet's, are kept), formatted as
 * Prettier would (the repository's format check reads it).
 */
export async function mergeFigures(
  file: string,
  own: Record<string, unknown>,
): Promise<Record<string, unknown>> {
  const existing = existsSync(file)
    ? (JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>)
    : {};
  const merged = { ...existing, ...own };
  writeFileSync(file, await format(JSON.stringify(merged), { parser: 'json' }));
  return merged;
}

const mark = (ok: boolean) => (ok ? 'met' : '**missed**');

/** The human table: figures against targets, recoveries per fault kind, and every finding. */
export function table(records: SoakRecords, verdict: Verdict, command: string): string {
  const f = figures(records, verdict);
  const steady = f['steadyRequestsPerMinutePerSidecar'] as number | null;
  const first = f['firstMinuteRequestsAfterRestartPerSidecar'] as number | null;
  const rows = [
    ['wrong scales', String(verdict.counts.wrongScales), '0', mark(verdict.counts.wrongScales === 0)],
    ['double scales', String(verdict.counts.doubleScales), '0', mark(verdict.counts.doubleScales === 0)],
    ['lost state', String(verdict.counts.lostState), '0', mark(verdict.counts.lostState === 0)],
    [
      'API requests per minute per sidecar, steady state (no Events, no scales)',
      `${steady ?? 'n/a'} (by sidecar: ${verdict.requests.steadyPerSidecar.map((n) => round(n)).join(', ')}; busiest minute ${verdict.requests.steadyMaxMinute}; ${verdict.requests.steadyMinutes} steady minutes)`,
      '≤ 2',
      mark(steady !== null && steady <= 2),
    ],
    [
      'API requests of one sidecar in the first minute after an API server restart (worst)',
      `${first ?? 'n/a'} (each restart: ${verdict.requests.firstMinuteAfterRestart.join(', ') || 'none'})`,
      '≤ 3',
      mark(first !== null && first <= 3),
    ],
  ];
  const recovery = Object.entries(verdict.recoveries).map(
    ([kind, r]) =>
      `| ${kind} | ${r.count} | ${r.medianSeconds ?? '–'} | ${r.maxSeconds ?? '–'}${r.slowestOverlapping ? ` (with ${[...new Set(r.slowestOverlapping)].join(', ')})` : ''} | ${r.unrecovered} | ${r.interrupted} |`,
  );
  const findings = [
    ...verdict.wrong.map((x) => ['wrong', x] as const),
    ...verdict.double.map((x) => ['double', x] as const),
    ...verdict.lost.map((x) => ['lost', x] as const),
  ]
    .sort((a, b) => a[1].at - b[1].at)
    .map(
      ([what, x]) =>
        `- ${what} (${x.rule}), ${Math.round((x.at - records.start) / 60_000)} min in: ${x.message}`,
    );
  const hours = ((records.end - records.start) / 3_600_000).toFixed(2);
  return [
    '# Chaos soak',
    '',
    `Made by \`${command}\`: ${records.sidecars} real sidecar processes (\`node sidecar/dist/cli/main.js sidecar\`, leader election on one Lease) for ${hours} hours of job time, ${records.timeScale}× accelerated (test/chaos/accelerate.ts), against the Flink double playing the ${records.trace} trace and the Kubernetes double playing the API server and the operator; ${verdict.faults} faults from the seeded schedule (seed ${records.seed}, test/chaos/schedule.ts); ${verdict.scales.bySidecars} scales by the sidecars and ${verdict.scales.byPeople} by a person; ${verdict.flinkAnswers.untrusted} of ${verdict.flinkAnswers.total} Flink answers untrusted. Judged from the doubles' records by test/chaos/judge.ts.`,
    '',
    '| figure | measured | target | |',
    '| --- | --- | --- | --- |',
    ...rows.map((r) => `| ${r.join(' | ')} |`),
    '',
    '## Recovery per fault kind',
    '',
    'Kubernetes faults, sidecar kills and restarts: seconds of job time from the fault’s end (an API server restart or compaction: the fault itself) until every sidecar shows a policy annotation changed just after it (it watches again). Flink faults: until a sidecar has a full window again and completed a cycle after the fault (it can decide again). Status polled every 5 s. A sidecar’s status shows a changed annotation only after its next evaluation cycle (every 15 s), so a recovery measured while Flink is slow (whose request timeouts stay real, 3 s of wall time = 3 minutes of job time at 60×) includes that slow cycle; a maximum names the other faults active during it.',
    '',
    '| fault | times | median s | max s | never recovered | cut short by the next fault |',
    '| --- | --- | --- | --- | --- | --- |',
    ...recovery,
    '',
    '## Findings',
    '',
    ...(findings.length === 0 ? ['None.'] : findings),
    ...(records.harnessErrors.length === 0
      ? []
      : ['', '## Faults the harness failed to inject', '', ...records.harnessErrors.map((e) => `- ${e}`)]),
    ...(verdict.crashes.length === 0
      ? []
      : [
          '',
          '## Sidecar processes that exited by themselves',
          '',
          ...verdict.crashes.map(
            (c) => `- sidecar ${c.sidecar}, exit ${c.code}: ${c.log.slice(-3).join(' ').slice(0, 500)}`,
          ),
        ]),
    '',
  ].join('\n');
}
