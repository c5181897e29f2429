/** The request filters in the apiserver's order: record, authenticate, authorize, then injected faults. */
import type { NextFunction, Request, Response } from 'express';
import type { Faults } from './faults.js';
import { sendError } from './http.js';
import { anonymousUser, type Authenticator, type UserInfo } from './identity.js';
import { authorize, forbiddenSentence, type AccessRule, type RequestAttributes } from './rbac.js';
import { requestInfo } from './request-info.js';
import { forbidden, unauthorized } from './status.js';

/** One request the server answered. */
export interface RequestRecord {
  method: string;
  path: string;
  query: string;
  verb: string;
  resource: string;
  subresource: string;
  namespace: string;
  name: string;
  user: string;
  contentType: string;
  body: string;
  status?: number;
  userAgent: string;
  /** When the request arrived (ms since the epoch). */
  at: number;
}

export interface FilterContext {
  authenticator: Authenticator;
  rules: readonly AccessRule[];
  faults: Faults;
  records: RequestRecord[];
  /** Requests without a token are system:anonymous (true) or 401 (false). */
  anonymous: boolean;
}

/** The caller of a request that passed the filters. */
export function callerOf(res: Response): UserInfo {
  return (res.locals['attributes'] as RequestAttributes).user;
}

/**
 * 401 for a bad or (without anonymous auth) missing token, 403 with the authorizer's sentence, then
 * any injected fault; the request's attributes stay in `res.locals.attributes`.
 */
export function requestFilter(context: FilterContext) {
  return async (req: Request, res: Response, next: NextFunction): Promise<void> => {
    const url = new URL(req.originalUrl, 'http://kube-double');
    const info = requestInfo(req.method, url.pathname, url.searchParams);
    const record: RequestRecord = {
      at: Date.now(),
      method: req.method,
      path: url.pathname,
      query: url.search,
      verb: info.verb,
      resource: info.resource,
      subresource: info.subresource,
      namespace: info.namespace,
      name: info.name,
      user: '',
      contentType: req.headers['content-type'] ?? '',
      body: Buffer.isBuffer(req.body) ? req.body.toString('utf8') : '',
      userAgent: req.headers['user-agent'] ?? '',
    };
    context.records.push(record);
    res.on('finish', () => {
      record.status = res.statusCode;
    });
    const header = req.headers.authorization;
    let user: UserInfo;
    if (header === undefined && context.anonymous) {
      user = anonymousUser;
    } else {
      const token = /^Bearer\s+(\S+)\s*$/i.exec(header ?? '')?.[1];
      const result = token === undefined ? undefined : context.authenticator.authenticate(token);
      if (result === undefined || !result.ok) {
        sendError(res, unauthorized());
        return;
      }
      user = result.user;
    }
    record.user = user.username;
    const attributes: RequestAttributes = { ...info, user };
    res.locals['attributes'] = attributes;
    if (!authorize(context.rules, attributes).allowed) {
      const gr = attributes.resourceRequest
        ? { group: info.apiGroup, resource: info.resource }
        : { group: '', resource: '' };
      sendError(res, forbidden(gr, info.name, forbiddenSentence(attributes)));
      return;
    }
    if (await context.faults.apply(attributes, res)) return;
    next();
  };
}
