/** Express routes for a kind's collection, objects and subresources, and for the review kinds. */
import type { Express, Request, Response } from 'express';
import type { ScaleApi } from './flinkdeployments.js';
import { protobufContentType } from './protobuf.js';
import {
  bodyBytes,
  bodyText,
  contentType,
  queryBool,
  handle,
  handleAsync,
  jsonBody,
  queryOf,
  sendError,
  sendObject,
  wantsTable,
  writeOptions,
  type WriteOptions,
} from './http.js';
import type { ResourceApi } from './resource-api.js';
import type { KubeObject } from './types.js';
import { methodNotAllowed } from './status.js';
import { serveWatch, type WatchSettings } from './watch.js';

function param(req: Request, name: string): string {
  return String(req.params[name] ?? '');
}

function listOrWatch(
  req: Request,
  res: Response,
  api: ResourceApi,
  namespace: string | undefined,
  settings: WatchSettings,
): void {
  const query = queryOf(req);
  const options = {
    labelSelector: query.get('labelSelector'),
    fieldSelector: query.get('fieldSelector'),
    limit: query.get('limit'),
    continue: query.get('continue'),
    resourceVersion: query.get('resourceVersion'),
    resourceVersionMatch: query.get('resourceVersionMatch'),
  };
  if (queryBool(query, 'watch')) {
    watchOnly(req, res, api, namespace, settings);
    return;
  }
  if (wantsTable(req)) {
    const { items, metadata } = api.listStored(namespace, options);
    sendObject(res, 200, api.kind.table(items, { includeObject: query.get('includeObject'), metadata }));
    return;
  }
  sendObject(res, 200, api.list(namespace, options));
}

/** A watch, rendered as Table rows when kubectl asks for server-side printing (`kubectl get -w`). */
function watchOnly(
  req: Request,
  res: Response,
  api: ResourceApi,
  namespace: string | undefined,
  settings: WatchSettings,
  name?: string,
): void {
  const query = queryOf(req);
  const render = wantsTable(req)
    ? (object: Parameters<typeof api.kind.toExternal>[0]) =>
        api.kind.table([object], {
          includeObject: query.get('includeObject'),
          metadata: { resourceVersion: object.metadata.resourceVersion ?? '' },
        })
    : undefined;
  serveWatch(req, res, api, namespace, settings, render, name);
}

/**
 * Admission of a create between its two halves (ResourceApi.prepareCreate and finishCreate): the mutating
 * admission chain, which may wait on webhooks; resolves with the object to store and warnings to add.
 */
export type CreateAdmission = (
  req: Request,
  res: Response,
  prepared: { object: KubeObject; warnings: string[] },
  options: WriteOptions,
) => Promise<{ object: KubeObject; warnings: string[] }>;

/**
 * Mounts `base/<resource>` (all namespaces) and `base/namespaces/:namespace/<resource>[/:name[/status|/scale]]`,
 * or `base/<resource>[/:name]` for a cluster-scoped kind. `admit`, when given, runs on every create.
 */
export function mountResource(
  app: Express,
  base: string,
  api: ResourceApi,
  settings: WatchSettings,
  scale?: ScaleApi,
  admit?: CreateAdmission,
): void {
  const resource = api.kind.resource;
  const clusterScoped = api.kind.clusterScoped === true;
  const collection = clusterScoped ? `${base}/${resource}` : `${base}/namespaces/:namespace/${resource}`;
  const item = `${collection}/:name`;
  const ns = (req: Request): string => (clusterScoped ? '' : param(req, 'namespace'));

  // The deprecated /watch/ paths, still served: `base/watch/[namespaces/:namespace/]<resource>[/:name]`.
  const watchCollection = clusterScoped
    ? `${base}/watch/${resource}`
    : `${base}/watch/namespaces/:namespace/${resource}`;
  if (!clusterScoped) {
    app.get(
      `${base}/watch/${resource}`,
      handle((req, res) => watchOnly(req, res, api, undefined, settings)),
    );
  }
  app.get(
    watchCollection,
    handle((req, res) => watchOnly(req, res, api, clusterScoped ? undefined : ns(req), settings)),
  );
  app.get(
    `${watchCollection}/:name`,
    handle((req, res) =>
      watchOnly(req, res, api, clusterScoped ? undefined : ns(req), settings, param(req, 'name')),
    ),
  );
  if (!clusterScoped) {
    app.get(
      `${base}/${resource}`,
      handle((req, res) => listOrWatch(req, res, api, undefined, settings)),
    );
  }
  app.get(
    collection,
    handle((req, res) => listOrWatch(req, res, api, clusterScoped ? undefined : ns(req), settings)),
  );
  app.post(
    collection,
    handleAsync(async (req, res) => {
      const options = writeOptions(req);
      const fromProtobuf = api.kind.fromProtobuf;
      const body =
        fromProtobuf !== undefined && contentType(req) === protobufContentType
          ? fromProtobuf(bodyBytes(req))
          : jsonBody(req);
      let prepared = api.prepareCreate(ns(req), body, options.fieldValidation);
      if (admit !== undefined) prepared = await admit(req, res, prepared, options);
      const result = api.finishCreate(prepared.object, options, prepared.warnings);
      sendObject(res, result.code, result.object, result.warnings);
    }),
  );
  app.get(
    item,
    handle((req, res) => {
      if (wantsTable(req)) {
        const object = api.current(ns(req), param(req, 'name'));
        const metadata = { resourceVersion: object.metadata.resourceVersion ?? '' };
        sendObject(
          res,
          200,
          api.kind.table([object], { includeObject: queryOf(req).get('includeObject'), metadata }),
        );
      } else {
        sendObject(res, 200, api.get(ns(req), param(req, 'name')));
      }
    }),
  );
  const put = (subresource: '' | 'status') =>
    handle((req, res) => {
      const result = api.replace(ns(req), param(req, 'name'), jsonBody(req), subresource, writeOptions(req));
      sendObject(res, result.code, result.object, result.warnings);
    });
  const patch = (subresource: '' | 'status') =>
    handle((req, res) => {
      const result = api.patch(
        ns(req),
        param(req, 'name'),
        contentType(req),
        bodyText(req),
        subresource,
        writeOptions(req),
      );
      sendObject(res, result.code, result.object, result.warnings);
    });
  app.put(item, put(''));
  app.patch(item, patch(''));
  app.delete(
    item,
    handle((req, res) => {
      const body = bodyText(req).trim() === '' ? {} : jsonBody(req);
      sendObject(res, 200, api.delete(ns(req), param(req, 'name'), body, writeOptions(req)).answer);
    }),
  );
  const paths = clusterScoped ? [collection, item] : [`${base}/${resource}`, collection, item];
  if (api.kind.statusSubresource) {
    app.get(
      `${item}/status`,
      handle((req, res) => sendObject(res, 200, api.get(ns(req), param(req, 'name')))),
    );
    app.put(`${item}/status`, put('status'));
    app.patch(`${item}/status`, patch('status'));
    paths.push(`${item}/status`);
  }
  if (scale !== undefined) {
    app.get(
      `${item}/scale`,
      handle((req, res) => sendObject(res, 200, scale.get(ns(req), param(req, 'name')))),
    );
    app.put(
      `${item}/scale`,
      handle((req, res) =>
        sendObject(res, 200, scale.replace(ns(req), param(req, 'name'), jsonBody(req), writeOptions(req))),
      ),
    );
    app.patch(
      `${item}/scale`,
      handle((req, res) =>
        sendObject(
          res,
          200,
          scale.patch(ns(req), param(req, 'name'), contentType(req), bodyText(req), writeOptions(req)),
        ),
      ),
    );
    paths.push(`${item}/scale`);
  }
  for (const path of paths) app.all(path, (_req, res) => sendError(res, methodNotAllowed()));
}

/** Mounts a create-only kind (the reviews): POST answers 201 with what `answer` computes. */
export function mountCreateOnly(
  app: Express,
  path: string,
  answer: (req: Request, res: Response) => unknown,
): void {
  app.post(
    path,
    handle((req, res) => sendObject(res, 201, answer(req, res))),
  );
  app.all(path, (_req, res) => sendError(res, methodNotAllowed()));
}
