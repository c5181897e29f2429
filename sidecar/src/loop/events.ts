/** Sends each distinct Kubernetes Event at most once per period, so a tick every 15 s does not flood. */
export class EventDeduper {
  private readonly sent = new Map<string, number>();
  private readonly periodMs: number;

  constructor(periodMs = 60 * 60 * 1000) {
    this.periodMs = periodMs;
  }

  /** Whether an event with this key should go out now (and remembers it if so). */
  shouldSend(key: string, now: number): boolean {
    const last = this.sent.get(key);
    if (last !== undefined && now - last < this.periodMs) return false;
    this.sent.set(key, now);
    return true;
  }
}
