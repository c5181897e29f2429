/**
 * The fault catalogue of the chaos soak and its seeded schedule: three tracks (the Kubernetes API server,
 * the Flink JobManager, and the rest: a sidecar killed, a person scaling or pausing), each a sequence of
 * faults separated by exponentially distributed gaps. Kinds are dealt from a shuffled deck per track, so a
 * short run still meets every kind; one fault at a time per track, so each recovery is attributable.
 */
import type { FaultTarget } from './records.js';

/** A fault to inject: `at` and `seconds` in virtual seconds from the start of the run. */
export interface PlannedFault {
  kind: string;
  target: FaultTarget;
  at: number;
  /** How long it stays armed or active (0: instant). */
  seconds: number;
  /** Kind-specific parameters drawn from the seed. */
  detail: Record<string, number | string>;
}

/** [0, 1) numbers from a 32-bit seed (mulberry32): the same seed, the same soak. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

type Draw = (random: () => number) => { seconds: number; detail: Record<string, number | string> };

const between = (random: () => number, lo: number, hi: number) => lo + random() * (hi - lo);
const pick = <T>(random: () => number, items: readonly T[]): T =>
  items[Math.floor(random() * items.length)] as T;

/** Every fault the soak injects, by track: how long it stays armed and its parameters. */
export const CATALOGUE: Record<'kube' | 'flink' | 'other', Record<string, Draw>> = {
  kube: {
    'kube:restart': () => ({ seconds: 0, detail: {} }),
    'kube:compact': () => ({ seconds: 0, detail: {} }),
    'kube:lose-scale-answer': (r) => ({
      seconds: 1800,
      detail: { how: pick(r, ['reset', 'gatewayTimeout']) },
    }),
    'kube:lose-state-answer': (r) => ({
      seconds: 900,
      detail: { how: pick(r, ['reset', 'gatewayTimeout']) },
    }),
    'kube:reset': (r) => ({ seconds: 300, detail: { times: Math.ceil(between(r, 1, 4)) } }),
    'kube:silent-watch': (r) => ({ seconds: 600, detail: { afterEvents: Math.floor(between(r, 0, 2)) } }),
    'kube:429': (r) => ({
      seconds: 300,
      detail: {
        times: Math.ceil(between(r, 2, 8)),
        retryAfterSeconds: Math.ceil(between(r, 1, 20)),
        body: pick(r, ['text', 'status']),
      },
    }),
    'kube:500': (r) => ({ seconds: 300, detail: { times: Math.ceil(between(r, 1, 5)) } }),
    'kube:conflict': (r) => ({
      seconds: 900,
      detail: { times: Math.ceil(between(r, 1, 3)), resource: pick(r, ['flinkdeployments', 'leases']) },
    }),
    'kube:delay': (r) => ({
      seconds: 300,
      detail: { times: Math.ceil(between(r, 2, 8)), ms: Math.round(between(r, 1000, 10_000)) },
    }),
  },
  flink: {
    'flink:down': (r) => ({ seconds: between(r, 60, 600), detail: {} }),
    'flink:slow': (r) => ({
      seconds: between(r, 60, 600),
      detail: { slowMs: Math.round(between(r, 2000, 20_000)) },
    }),
    'flink:slow-timeout': (r) => ({ seconds: between(r, 60, 300), detail: {} }),
    'flink:500': (r) => ({ seconds: between(r, 60, 600), detail: {} }),
    'flink:garbage': (r) => ({ seconds: between(r, 60, 600), detail: {} }),
    'flink:empty': (r) => ({ seconds: between(r, 60, 600), detail: {} }),
    'flink:nan': (r) => ({ seconds: between(r, 60, 600), detail: {} }),
    'flink:restarting': (r) => ({ seconds: between(r, 30, 300), detail: {} }),
    'flink:taskmanagers-leaving': (r) => ({ seconds: between(r, 30, 300), detail: {} }),
  },
  other: {
    'sidecar:kill': (r) => ({ seconds: between(r, 10, 60), detail: { sidecar: pick(r, [0, 1]) } }),
    'person:scale-with-hold': (r) => ({
      seconds: 0,
      detail: { holdSeconds: Math.round(between(r, 600, 1800)), pick: r() },
    }),
    'person:kubectl-scale': (r) => ({ seconds: 0, detail: { pick: r() } }),
    'person:pause': (r) => ({ seconds: between(r, 600, 1200), detail: {} }),
  },
};

export interface ScheduleOptions {
  seed: number;
  /** Virtual seconds of the run. */
  seconds: number;
  /** No fault before this (the sidecars start, the window fills). */
  warmupSeconds: number;
  /** No fault starts in the last this many seconds (recoveries are measured). */
  cooldownSeconds: number;
  /** Mean gap between faults per track, virtual seconds. */
  meanGapSeconds: { kube: number; flink: number; other: number };
  /** [from, to) virtual seconds with no fault active: the steady state the request budget is measured in. */
  quiet?: readonly [number, number];
}

/** Faults in time order, drawn from the seed; a track's next fault starts after the previous one ended. */
export function schedule(options: ScheduleOptions): PlannedFault[] {
  const random = seededRandom(options.seed);
  const planned: PlannedFault[] = [];
  for (const track of ['kube', 'flink', 'other'] as const) {
    const kinds = Object.keys(CATALOGUE[track]);
    let deck: string[] = [];
    let t = options.warmupSeconds;
    for (;;) {
      t += -Math.log(1 - random()) * options.meanGapSeconds[track];
      if (t >= options.seconds - options.cooldownSeconds) break;
      const quiet = options.quiet;
      if (quiet !== undefined && t < quiet[1] && t >= quiet[0]) {
        t = quiet[1];
        continue;
      }
      if (deck.length === 0) {
        deck = [...kinds];
        for (let i = deck.length - 1; i > 0; i--) {
          const j = Math.floor(random() * (i + 1));
          [deck[i], deck[j]] = [deck[j] as string, deck[i] as string];
        }
      }
      const kind = deck.pop() as string;
      const draw = CATALOGUE[track][kind] as Draw;
      const { seconds, detail } = draw(random);
      if (quiet !== undefined && t < quiet[0] && t + seconds >= quiet[0]) {
        deck.push(kind);
        t = quiet[1];
        continue;
      }
      const target = kind.split(':')[0] as PlannedFault['target'];
      planned.push({ kind, target, at: Math.round(t), seconds: Math.round(seconds), detail });
      t += seconds;
    }
  }
  return planned.sort((a, b) => a.at - b.at);
}
