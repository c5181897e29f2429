"""Watch steps: kubernetes.watch.Watch over CustomObjectsApi, and raw watch requests through call_api."""

import json
import time

import urllib3
from kubernetes import watch
from kubernetes.client.rest import ApiException

from context import GROUP, PLURAL, VERSION


def _summary(event):
    return {"type": event["type"], "object": event["raw_object"]}


def watch_flinkdeployments(context, args, progress):
    """
    Watch.stream with timeout_seconds (so the client does not re-watch by itself and a 410 surfaces as the
    ApiException it raises). Stops after `stopAfter` events; every event is also sent as progress.
    """
    options = {
        "group": GROUP,
        "version": VERSION,
        "namespace": context.namespace,
        "plural": PLURAL,
        "timeout_seconds": args.get("timeoutSeconds", 5),
        "_request_timeout": (5, args.get("timeoutSeconds", 5) + 10),
    }
    if "resourceVersion" in args:
        options["resource_version"] = args["resourceVersion"]
    if args.get("allowWatchBookmarks"):
        options["allow_watch_bookmarks"] = True
    if "fieldSelector" in args:
        options["field_selector"] = args["fieldSelector"]
    if "labelSelector" in args:
        options["label_selector"] = args["labelSelector"]
    stop_after = args.get("stopAfter")
    events = []
    started = time.monotonic()
    outcome = {"ended": "stream-ended"}
    watcher = watch.Watch()
    try:
        for event in watcher.stream(context.custom.list_namespaced_custom_object, **options):
            summary = _summary(event)
            events.append(summary)
            progress(summary)
            if stop_after is not None and len(events) >= stop_after:
                outcome = {"ended": "stopped"}
                break
    except ApiException as error:
        outcome = {"ended": "error", "error": {"status": error.status, "reason": error.reason}}
    except (urllib3.exceptions.ProtocolError, urllib3.exceptions.ReadTimeoutError) as error:
        outcome = {"ended": "connection-broken", "detail": repr(error)}
    except (KeyError, TypeError, ValueError) as error:  # a line the client cannot read as a watch event
        outcome = {"ended": "undecodable", "detail": repr(error)}
    outcome.update({"events": events, "seconds": time.monotonic() - started})
    return outcome


def _lines(response):
    """The body's lines as they arrive, and what follows the last newline (a list is one unterminated line)."""
    pending = b""
    for chunk in response.stream(amt=None, decode_content=False):
        pending += chunk
        while b"\n" in pending:
            line, pending = pending.split(b"\n", 1)
            if line:
                yield line.decode("utf-8")
    if pending:
        yield pending.decode("utf-8")


def raw_watch(context, args, progress):
    """
    A GET of the collection as the test words it (query values, the deprecated /watch/ path) through
    call_api: the HTTP status, headers and each JSON line of the body, until the server ends it or, with
    `untilType`, until the first line of that event type.
    """
    path = context.flinkdeployments_path(watch_prefix=args.get("deprecatedPath", False))
    query = dict(args.get("query", {}))
    until_type = args.get("untilType")
    answer = context.raw("GET", path, query=query, timeout=args.get("clientTimeout", 10), stream=True)
    response = answer.pop("response", None)
    if response is None:
        return answer
    lines = []
    try:
        for line in _lines(response):
            try:
                lines.append(json.loads(line))
            except ValueError:
                lines.append(line)
            if until_type is not None and isinstance(lines[-1], dict) and lines[-1].get("type") == until_type:
                break
    finally:
        response.close()
        response.release_conn()
    answer["lines"] = lines
    return answer


STEPS = {
    "watch.flinkdeployments": watch_flinkdeployments,
    "flinkdeployments.rawGet": raw_watch,
}
