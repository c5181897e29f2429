/**
 * The two questions the gateway asks the Kubernetes API, as kube-rbac-proxy asks them: who is this token
 * for our audience (TokenReview with `spec.audiences`, accepted only when `status.audiences` has ours), and
 * may this subject do this (SubjectAccessReview). Answers are cached by SHA-256 (authenticated 2 min, not
 * authenticated 10 s; allowed 60 s, denied 10 s), one review per key in flight, and at most
 * `maxConcurrentReviews` reviews in flight at all (429 beyond). Fail closed: a review that cannot be made
 * is a 503 and nothing is done. The token never reaches a log or an answer.
 */
import type { KubeConnection } from '../kube/connection.js';
import { KubeError } from '../kube/api-error.js';
import { HttpError } from '../http/errors.js';
import type { ConcurrencyGate } from './limits.js';
import { ReviewCache, sha256 } from './review-cache.js';

export const AUTHENTICATED_TTL_MS = 120_000;
export const NOT_AUTHENTICATED_TTL_MS = 10_000;
export const ALLOWED_TTL_MS = 60_000;
export const DENIED_TTL_MS = 10_000;

/** authentication.k8s.io/v1 UserInfo, as a TokenReview names it and a SubjectAccessReview takes it. */
export interface UserInfo {
  username: string;
  uid?: string;
  groups: string[];
  extra?: Record<string, string[]>;
}

export type Authentication =
  { authenticated: true; user: UserInfo } | { authenticated: false; error: string };

export interface ResourceAttributes {
  namespace?: string;
  verb: string;
  group: string;
  resource: string;
  subresource?: string;
  name?: string;
}

export interface AccessDecision {
  allowed: boolean;
  reason: string;
  evaluationError?: string;
}

export type ReviewKind = 'tokenreview' | 'subjectaccessreview';
export type ReviewOutcome =
  'authenticated' | 'unauthenticated' | 'allowed' | 'denied' | 'error' | 'throttled';

export interface ReviewsDeps {
  connection: Pick<KubeConnection, 'json'>;
  audience: string;
  gate: ConcurrencyGate;
  clock: () => number;
  /** Counts every review answer (metrics). */
  record: (kind: ReviewKind, outcome: ReviewOutcome, cached: boolean) => void;
}

interface TokenReviewAnswer {
  status?: {
    authenticated?: boolean;
    user?: { username?: string; uid?: string; groups?: string[]; extra?: Record<string, string[]> };
    audiences?: string[];
    error?: string;
  };
}

interface AccessReviewAnswer {
  status?: { allowed?: boolean; denied?: boolean; reason?: string; evaluationError?: string };
}

function redact(text: string, secret: string | undefined): string {
  return secret === undefined || secret === '' ? text : text.split(secret).join('[token]');
}

export class Reviews {
  private readonly tokens: ReviewCache<Authentication>;
  private readonly access: ReviewCache<AccessDecision>;

  constructor(private readonly deps: ReviewsDeps) {
    this.tokens = new ReviewCache(deps.clock, (answer) =>
      answer.authenticated ? AUTHENTICATED_TTL_MS : NOT_AUTHENTICATED_TTL_MS,
    );
    this.access = new ReviewCache(deps.clock, (answer) => (answer.allowed ? ALLOWED_TTL_MS : DENIED_TTL_MS));
  }

  /** Runs one review against the API server within the concurrency cap, failing closed. */
  private async call<T>(kind: ReviewKind, review: () => Promise<T>, secret?: string): Promise<T> {
    const release = this.deps.gate.enter();
    if (release === undefined) {
      this.deps.record(kind, 'throttled', false);
      throw new HttpError(
        429,
        'throttled',
        `the gateway has ${this.deps.gate.limit} reviews in flight already (--max-concurrent-reviews): try again in a moment`,
        { headers: { 'Retry-After': '1' } },
      );
    }
    try {
      return await review();
    } catch (error) {
      this.deps.record(kind, 'error', false);
      const what = kind === 'tokenreview' ? 'TokenReview' : 'SubjectAccessReview';
      const detail = redact(error instanceof Error ? error.message : String(error), secret);
      const rights =
        error instanceof KubeError && error.failure === 'forbidden'
          ? ' (the gateway’s service account needs create on tokenreviews and subjectaccessreviews)'
          : '';
      throw new HttpError(
        503,
        'kubernetes-unavailable',
        `the gateway could not make a ${what}${rights}, so nothing was done: try again later`,
        { detail },
      );
    } finally {
      release();
    }
  }

  /** Who the bearer token is, for the gateway's audience only. */
  async authenticate(token: string): Promise<Authentication> {
    const { value, cached } = await this.tokens.answer(sha256(`token\n${token}`), () =>
      this.call(
        'tokenreview',
        async () => {
          const answer = await this.deps.connection.json<TokenReviewAnswer>({
            method: 'POST',
            path: '/apis/authentication.k8s.io/v1/tokenreviews',
            body: {
              apiVersion: 'authentication.k8s.io/v1',
              kind: 'TokenReview',
              spec: { token, audiences: [this.deps.audience] },
            },
            what: 'review a caller’s token (TokenReview)',
          });
          return this.judgeToken(answer, token);
        },
        token,
      ),
    );
    this.deps.record('tokenreview', value.authenticated ? 'authenticated' : 'unauthenticated', cached);
    return value;
  }

  private judgeToken(answer: TokenReviewAnswer, token: string): Authentication {
    const status = answer.status ?? {};
    const username = status.user?.username ?? '';
    if (status.authenticated !== true || username === '') {
      return { authenticated: false, error: redact(status.error ?? 'the token was not accepted', token) };
    }
    if (!(status.audiences ?? []).includes(this.deps.audience)) {
      return {
        authenticated: false,
        error: `the token is not for the audience ${this.deps.audience}`,
      };
    }
    const user: UserInfo = { username, groups: [...(status.user?.groups ?? [])] };
    if (status.user?.uid) user.uid = status.user.uid;
    if (status.user?.extra) user.extra = status.user.extra;
    return { authenticated: true, user };
  }

  /** May `subject` do what `attributes` say? */
  async mayDo(subject: UserInfo, attributes: ResourceAttributes): Promise<AccessDecision> {
    const spec = {
      user: subject.username,
      groups: subject.groups,
      ...(subject.uid === undefined ? {} : { uid: subject.uid }),
      ...(subject.extra === undefined ? {} : { extra: subject.extra }),
      resourceAttributes: attributes,
    };
    const { value, cached } = await this.access.answer(sha256(`access\n${JSON.stringify(spec)}`), () =>
      this.call('subjectaccessreview', async () => {
        const answer = await this.deps.connection.json<AccessReviewAnswer>({
          method: 'POST',
          path: '/apis/authorization.k8s.io/v1/subjectaccessreviews',
          body: { apiVersion: 'authorization.k8s.io/v1', kind: 'SubjectAccessReview', spec },
          what: 'review an access (SubjectAccessReview)',
        });
        const status = answer.status ?? {};
        const decision: AccessDecision = {
          allowed: status.allowed === true && status.denied !== true,
          reason: status.reason ?? '',
        };
        if (status.evaluationError) decision.evaluationError = status.evaluationError;
        return decision;
      }),
    );
    this.deps.record('subjectaccessreview', value.allowed ? 'allowed' : 'denied', cached);
    return value;
  }
}
