/** A seeded source of noise for the simulator (pure-rand's xoroshiro128+), so every run repeats exactly. */
import { uniformFloat64 } from 'pure-rand/distribution/uniformFloat64';
import { xoroshiro128plus } from 'pure-rand/generator/xoroshiro128plus';

export interface Noise {
  /** Uniform in [0, 1). */
  next(): number;
  /** Multiplies by a factor uniform in [1 − spread, 1 + spread]. */
  jitter(value: number, spread: number): number;
}

export function seededNoise(seed: number): Noise {
  const rng = xoroshiro128plus(seed);
  const next = () => uniformFloat64(rng);
  return { next, jitter: (value, spread) => value * (1 + spread * (2 * next() - 1)) };
}
