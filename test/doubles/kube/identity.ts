/** Who a bearer token is: the double's token authenticator, shared by every request and by TokenReview. */
import { randomUUID } from 'node:crypto';

/** authentication.k8s.io/v1 UserInfo. */
export interface UserInfo {
  username: string;
  uid?: string;
  groups: string[];
  extra?: Record<string, string[]>;
}

/** A token the double knows, and who it stands for. */
export interface TokenUser {
  token: string;
  username: string;
  uid?: string;
  /** Groups besides `system:authenticated`, which every authenticated user gets. */
  groups?: string[];
  extra?: Record<string, string[]>;
  /** Audiences the token is valid for; default: the API server's own (so it works against the double itself). */
  audiences?: string[];
}

/** The audience a cluster's API server accepts by default (service-account issuer of most clusters). */
export const apiServerAudience = 'https://kubernetes.default.svc.cluster.local';

/** Who a request without an Authorization header is, when anonymous auth is on (the apiserver's default). */
export const anonymousUser: UserInfo = { username: 'system:anonymous', groups: ['system:unauthenticated'] };

/** A service account's token: `system:serviceaccount:NS:NAME` in `system:serviceaccounts` and `system:serviceaccounts:NS`. */
export function serviceAccount(
  namespace: string,
  name: string,
  token: string,
  options: { audiences?: string[] } = {},
): TokenUser {
  return {
    token,
    username: `system:serviceaccount:${namespace}:${name}`,
    uid: randomUUID(),
    groups: ['system:serviceaccounts', `system:serviceaccounts:${namespace}`],
    ...(options.audiences === undefined ? {} : { audiences: options.audiences }),
  };
}

/** The outcome of checking a token for some audiences. */
export type Authentication = { ok: true; user: UserInfo; audiences: string[] } | { ok: false; error: string };

function goStrings(values: string[]): string {
  return `[${values.map((v) => JSON.stringify(v)).join(' ')}]`;
}

export class Authenticator {
  readonly #byToken = new Map<string, TokenUser>();

  constructor(
    users: readonly TokenUser[],
    readonly apiAudiences: readonly string[] = [apiServerAudience],
  ) {
    for (const user of users) this.add(user);
  }

  add(user: TokenUser): void {
    this.#byToken.set(user.token, user);
  }

  /** The first token configured for a username. */
  byUsername(username: string): TokenUser | undefined {
    return [...this.#byToken.values()].find((user) => user.username === username);
  }

  /** Checks a token for the given audiences (the API server's own when none are given). */
  authenticate(token: string, audiences: readonly string[] = this.apiAudiences): Authentication {
    const known = this.#byToken.get(token);
    if (known === undefined) return { ok: false, error: '[invalid bearer token, token lookup failed]' };
    const tokenAudiences = known.audiences ?? [...this.apiAudiences];
    const granted = tokenAudiences.filter((audience) => audiences.includes(audience));
    if (granted.length === 0) {
      return {
        ok: false,
        error: `[invalid bearer token, token audiences ${goStrings(tokenAudiences)} is invalid for the target audiences ${goStrings([...audiences])}]`,
      };
    }
    const groups = [...(known.groups ?? [])];
    if (!groups.includes('system:authenticated')) groups.push('system:authenticated');
    const user: UserInfo = { username: known.username, groups };
    if (known.uid !== undefined) user.uid = known.uid;
    if (known.extra !== undefined) user.extra = known.extra;
    return { ok: true, user, audiences: granted };
  }
}
