/**
 * The Flink client's retries (issue 12: a transient failure is data missing, never a job state): a GET that
 * meets an unreachable JobManager, a timeout or a 5xx is tried again up to twice, after a short jittered
 * wait, and never beyond the collection cycle's budget; anything else fails at once.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { DEFAULT_HTTP, FlinkError, FlinkHttp } from '../src/flink/http.js';
import { closeServer, serve } from './loopback-server.js';

afterEach(closeServer);

const schema = z.object({ jobs: z.array(z.unknown()) });
const OK = '{"jobs":[]}';

/** A server answering each request in turn with the next status of `statuses` (then 200). */
async function answering(statuses: (number | 'reset' | 'hang')[]) {
  const seen = { requests: 0 };
  const url = await serve((req, res) => {
    const status = statuses[seen.requests++] ?? 200;
    if (status === 'reset') {
      req.socket.destroy();
      return;
    }
    if (status === 'hang') return;
    res.statusCode = status;
    res.setHeader('content-type', 'application/json');
    res.end(status === 200 ? OK : JSON.stringify({ errors: [`HTTP ${status}`] }));
  });
  return { url, seen };
}

/** A virtual clock the client's waits advance. */
function virtualTime() {
  const time = { now: 0, waits: [] as number[] };
  return {
    time,
    now: () => time.now,
    sleep: (ms: number) => {
      time.waits.push(ms);
      time.now += ms;
      return Promise.resolve();
    },
  };
}

async function failureOf(promise: Promise<unknown>): Promise<FlinkError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(FlinkError);
  return error as FlinkError;
}

describe('the Flink client retries what may pass', () => {
  it('tries a 500, a 503 and a reset connection again, at most twice, as the sidecar runs it', async () => {
    expect(DEFAULT_HTTP.attempts).toBe(3);
    const v = virtualTime();
    const { url, seen } = await answering([500, 'reset']);
    const client = new FlinkHttp({ baseUrl: url, sleep: v.sleep, now: v.now });
    expect(await client.get('/jobs/overview', schema)).toEqual({ jobs: [] });
    expect(seen.requests).toBe(3);

    await closeServer();
    const three = await answering([503, 503, 503, 503]);
    const w = virtualTime();
    const failing = new FlinkHttp({ baseUrl: three.url, sleep: w.sleep, now: w.now });
    const error = await failureOf(failing.get('/jobs/overview', schema));
    expect(error).toMatchObject({ failure: 'http-error', status: 503 });
    expect(three.seen.requests).toBe(3);
  });

  it.each([404, 400, 200])(
    'does not try a %d (or an answer that is not the JSON asked for) again',
    async (status) => {
      const v = virtualTime();
      const { url, seen } = await answering([status === 200 ? 200 : status]);
      const client = new FlinkHttp({ baseUrl: url, sleep: v.sleep, now: v.now });
      const wrong = z.object({ jobs: z.string() });
      const error = await failureOf(client.get('/jobs/overview', wrong));
      expect(error.failure).toBe(status === 200 ? 'unexpected-shape' : 'http-error');
      expect(seen.requests).toBe(1);
      expect(v.time.waits).toEqual([]);
    },
  );

  it('waits a jittered backoff between tries: between half and the whole of 200 ms, then of 400 ms', async () => {
    for (const [draw, waits] of [
      [0, [100, 200]],
      [0.5, [150, 300]],
      [0.999, [199.9, 399.8]],
    ] as const) {
      const v = virtualTime();
      const { url } = await answering([500, 500]);
      const client = new FlinkHttp({ baseUrl: url, sleep: v.sleep, now: v.now, random: () => draw });
      await client.get('/jobs/overview', schema);
      expect(v.time.waits.map((w) => Math.round(w * 10) / 10)).toEqual(waits);
      await closeServer();
    }
  });

  it('never retries beyond the cycle’s budget, and a later cycle has its own', async () => {
    const v = virtualTime();
    const { url, seen } = await answering([500, 500, 500, 500, 500, 500]);
    // the first wait (400–800 ms) fits the budget of 1 s; the second (800–1600 ms) does not
    const client = new FlinkHttp({
      baseUrl: url,
      backoffMs: 800,
      cycleBudgetMs: 1000,
      sleep: v.sleep,
      now: v.now,
      random: () => 0,
    });
    await failureOf(client.get('/jobs/overview', schema));
    expect(seen.requests).toBe(2);
    expect(v.time.waits).toEqual([400]);
    // a second request in the same cycle: 600 ms of budget are left, the first wait (400 ms) still fits
    await failureOf(client.get('/jobs/1', schema));
    expect(seen.requests).toBe(4);
    // now 200 ms are left: no wait of 400 ms fits, no retry
    await failureOf(client.get('/jobs/2', schema));
    expect(seen.requests).toBe(5);
    expect(v.time.waits).toEqual([400, 400]);
    // the next cycle (the budget has passed) retries again
    v.time.now += 15_000;
    expect(await client.get('/jobs/overview', schema)).toEqual({ jobs: [] });
    expect(seen.requests).toBe(7);
  });

  it('cuts a retry’s timeout to what is left of the budget', async () => {
    const { url, seen } = await answering(['hang', 'hang', 'hang']);
    const client = new FlinkHttp({ baseUrl: url, timeoutMs: 1000, backoffMs: 1, cycleBudgetMs: 1500 });
    const started = performance.now();
    const error = await failureOf(client.get('/jobs/overview', schema));
    const took = performance.now() - started;
    expect(error.failure).toBe('timeout');
    // the first try times out at 1 s, the retry at what is left of 1.5 s; no third try
    expect(seen.requests).toBe(2);
    expect(took).toBeGreaterThanOrEqual(1400);
    expect(took).toBeLessThan(2200);
  });
});
