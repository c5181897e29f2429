"""Runs conformance steps with the official Kubernetes Python client against a server named by a kubeconfig.

Protocol (JSON lines): the first line written is {"ready": true} (or {"ready": false, "error": ...} and
exit 2 when the client cannot be imported). Then each line read, {"id", "step", "args"}, gets progress
lines {"id", "progress": ...} while it runs and one result line {"id", "result": ...} or
{"id", "failed": "<traceback>"} for an exception the step did not expect.
"""

import json
import sys
import traceback


def write(message):
    sys.stdout.write(json.dumps(message) + "\n")
    sys.stdout.flush()


try:
    from kubernetes import config
    from kubernetes import __version__ as client_version
except ImportError as error:  # the Debian package python3-kubernetes is missing
    write({"ready": False, "error": "cannot import kubernetes (install python3-kubernetes): %s" % error})
    sys.exit(2)

from context import Context  # noqa: E402 (after the import check above)
import steps_flinkdeployments  # noqa: E402
import steps_watch  # noqa: E402
import steps_core  # noqa: E402

STEPS = {}
for module in (steps_flinkdeployments, steps_watch, steps_core):
    STEPS.update(module.STEPS)


def main():
    kubeconfig, namespace = sys.argv[1], sys.argv[2]
    contexts = {}

    def context_for(path):
        """One client per kubeconfig (a step may run as another user by naming that user's kubeconfig)."""
        if path not in contexts:
            contexts[path] = Context(config.new_client_from_config(config_file=path), namespace)
        return contexts[path]

    context_for(kubeconfig)
    write({"ready": True, "clientVersion": client_version, "steps": sorted(STEPS)})
    for line in sys.stdin:
        if not line.strip():
            continue
        request = json.loads(line)
        step_id = request["id"]

        def progress(value, step_id=step_id):
            write({"id": step_id, "progress": value})

        try:
            step = STEPS[request["step"]]
            args = request.get("args", {})
            context = context_for(args.get("kubeconfig", kubeconfig))
            write({"id": step_id, "result": step(context, args, progress)})
        except Exception:  # reported to the test, which fails naming the step
            write({"id": step_id, "failed": traceback.format_exc()})


if __name__ == "__main__":
    main()
