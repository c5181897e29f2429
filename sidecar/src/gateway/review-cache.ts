/**
 * Review answers kept for a short while, keyed by the SHA-256 of what was reviewed (a token, a subject
 * and its attributes: never the token itself), each answer with its own lifetime (allowed and denied
 * apart), and one review in flight per key: concurrent requests with the same token wait for the same
 * answer instead of each asking the API server.
 */
import { createHash } from 'node:crypto';

/** Entries kept at most per cache; the oldest go first. */
const MAX_ENTRIES = 4096;

export function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

export class ReviewCache<T> {
  private readonly answers = new Map<string, { value: T; until: number }>();
  private readonly pending = new Map<string, Promise<T>>();

  constructor(
    private readonly clock: () => number,
    /** How long an answer stays, in ms, by the answer. */
    private readonly lifetime: (value: T) => number,
  ) {}

  /** The kept answer, if still fresh. */
  get(key: string): T | undefined {
    const entry = this.answers.get(key);
    if (entry === undefined) return undefined;
    if (this.clock() >= entry.until) {
      this.answers.delete(key);
      return undefined;
    }
    return entry.value;
  }

  /**
   * The answer for `key`: kept, or the one in flight, or a new one from `review` (which is not kept
   * when it throws). `cached` says whether no new review was made for this caller.
   */
  async answer(key: string, review: () => Promise<T>): Promise<{ value: T; cached: boolean }> {
    const kept = this.get(key);
    if (kept !== undefined) return { value: kept, cached: true };
    const inFlight = this.pending.get(key);
    if (inFlight !== undefined) return { value: await inFlight, cached: true };
    const started = review().then((value) => {
      const ms = this.lifetime(value);
      if (ms > 0) {
        if (this.answers.size >= MAX_ENTRIES) {
          const oldest = this.answers.keys().next().value;
          if (oldest !== undefined) this.answers.delete(oldest);
        }
        this.answers.set(key, { value, until: this.clock() + ms });
      }
      return value;
    });
    this.pending.set(key, started);
    try {
      return { value: await started, cached: false };
    } finally {
      this.pending.delete(key);
    }
  }
}
