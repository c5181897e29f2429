/**
 * Who a request is decided for: the caller (authenticated), and when Grafana names a person, that person,
 * but only if the caller may speak for people (SubjectAccessReview: `assert` on the virtual resource
 * `people`, group `flink-autoscaler.io`, named the person's mapped user). Then: may that subject `update`
 * `flinkdeployments/scale` on the job?
 */
import type { Request, Response } from 'express';
import { contextOf } from '../http/context.js';
import { authenticateCaller } from './caller.js';
import { ForbiddenError } from './errors.js';
import { personOf, type PersonOptions } from './person.js';
import type { AccessDecision, Reviews, UserInfo } from './reviews.js';

/** The virtual permission a caller needs to name a person. */
export const assertPermission = (user: string) => `assert people (flink-autoscaler.io) named ${user}`;

/** The permission a person needs to scale a job, as an operator grants it. */
export const scalePermission = (namespace: string, name: string) =>
  `update flinkdeployments/scale (flink.apache.org) on ${namespace}/${name}`;

export class Authorizer {
  constructor(
    readonly reviews: Reviews,
    private readonly person: PersonOptions,
  ) {}

  /** The caller, or the person it may speak for (403 when it may not); noted in the request's log line. */
  async identify(req: Request, res: Response): Promise<UserInfo> {
    const context = contextOf(res);
    const caller = await authenticateCaller(req, this.reviews);
    context.fields['caller'] = caller.username;
    context.fields['callerVia'] = caller.via;
    const person = await personOf(req, this.person);
    if (person === undefined) return caller;
    context.fields['user'] = person.username;
    context.fields['userFrom'] = person.source;
    const speaks = await this.reviews.mayDo(caller, {
      verb: 'assert',
      group: 'flink-autoscaler.io',
      resource: 'people',
      name: person.username,
    });
    if (!speaks.allowed) {
      throw new ForbiddenError(
        `${caller.username} may not speak for people: naming ${person.username} needs ` +
          `${assertPermission(person.username)} (a virtual permission the chart grants Grafana's service account)`,
        assertPermission(person.username),
        speaks.reason || undefined,
      );
    }
    return person;
  }

  mayScale(subject: UserInfo, namespace: string, name: string): Promise<AccessDecision> {
    return this.reviews.mayDo(subject, {
      namespace,
      verb: 'update',
      group: 'flink.apache.org',
      resource: 'flinkdeployments',
      subresource: 'scale',
      name,
    });
  }

  /** mayScale, refusing with 403 naming the permission. */
  async requireScale(subject: UserInfo, namespace: string, name: string): Promise<void> {
    const decision = await this.mayScale(subject, namespace, name);
    if (decision.allowed) return;
    const permission = scalePermission(namespace, name);
    throw new ForbiddenError(
      `${subject.username} may not scale ${namespace}/${name}: that needs ${permission}, granted by a ` +
        'Role or ClusterRole binding to that user or one of its groups',
      permission,
      decision.reason || undefined,
    );
  }
}
