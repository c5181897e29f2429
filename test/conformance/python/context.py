"""What every step gets: the client's APIs for one namespace, and how a call's outcome is reported."""

import json
import time

import urllib3
from kubernetes import client
from kubernetes.client.rest import ApiException

GROUP = "flink.apache.org"
VERSION = "v1beta1"
PLURAL = "flinkdeployments"


def parse_body(body):
    """An answer's body as JSON when it is JSON, else as text."""
    if body is None:
        return None
    if isinstance(body, bytes):
        body = body.decode("utf-8", errors="replace")
    try:
        return json.loads(body)
    except ValueError:
        return body


def lower_headers(headers):
    return {key.lower(): value for key, value in (headers or {}).items()}


class Context:
    def __init__(self, api_client, namespace):
        self.api_client = api_client
        self.namespace = namespace
        self.custom = client.CustomObjectsApi(api_client)
        self.core = client.CoreV1Api(api_client)
        self.events = client.EventsV1Api(api_client)
        self.coordination = client.CoordinationV1Api(api_client)
        self.authentication = client.AuthenticationV1Api(api_client)
        self.authorization = client.AuthorizationV1Api(api_client)

    def json(self, value):
        """A model (or dict) as the JSON the server sent, the way the client serializes it."""
        return self.api_client.sanitize_for_serialization(value)

    def attempt(self, call):
        """Runs one client call: {"ok": true, "value", "seconds"} or how the client raised the API's error."""
        started = time.monotonic()
        try:
            value = call()
            return {"ok": True, "value": self.json(value), "seconds": time.monotonic() - started}
        except ApiException as error:
            return {
                "ok": False,
                "status": error.status,
                "reason": error.reason,
                "body": parse_body(error.body),
                "headers": lower_headers(error.headers),
                "seconds": time.monotonic() - started,
            }
        except urllib3.exceptions.HTTPError as error:  # no HTTP answer at all (reset, timeout): status 0
            return {
                "ok": False,
                "status": 0,
                "reason": "%s: %s" % (type(error).__name__, error),
                "body": None,
                "headers": {},
                "seconds": time.monotonic() - started,
            }

    def raw(self, method, path, query=None, body=None, content_type=None, timeout=10, stream=False):
        """
        A request through the client's own transport (auth, TLS) without its models: status, headers, and the
        body as text (or, with `stream`, the open urllib3 response for the caller to read and close).
        """
        headers = {"Accept": "application/json"}
        if content_type is not None:
            headers["Content-Type"] = content_type
        try:
            response = self.api_client.call_api(
                path,
                method,
                query_params=list((query or {}).items()),
                header_params=headers,
                body=body,
                auth_settings=["BearerToken"],
                _preload_content=False,
                _return_http_data_only=True,
                _request_timeout=timeout,
            )
        except ApiException as error:
            return {
                "status": error.status,
                "headers": lower_headers(error.headers),
                "body": parse_body(error.body),
            }
        answer = {"status": response.status, "headers": lower_headers(response.getheaders())}
        if stream:
            answer["response"] = response
        else:
            answer["text"] = response.data.decode("utf-8")
        return answer

    def flinkdeployments_path(self, name=None, subresource=None, watch_prefix=False):
        path = "/apis/%s/%s/%snamespaces/%s/%s" % (
            GROUP,
            VERSION,
            "watch/" if watch_prefix else "",
            self.namespace,
            PLURAL,
        )
        if name is not None:
            path += "/" + name
        if subresource is not None:
            path += "/" + subresource
        return path
