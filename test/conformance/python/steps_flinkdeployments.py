"""FlinkDeployment steps through CustomObjectsApi (and call_api for the patch types the client does not send)."""

from context import GROUP, PLURAL, VERSION


def _ids(context):
    return {"group": GROUP, "version": VERSION, "namespace": context.namespace, "plural": PLURAL}


def get(context, args, progress):
    return context.attempt(lambda: context.custom.get_namespaced_custom_object(name=args["name"], **_ids(context)))


def list_(context, args, progress):
    options = {}
    for key, option in (
        ("labelSelector", "label_selector"),
        ("fieldSelector", "field_selector"),
        ("limit", "limit"),
        ("continue", "_continue"),
        ("resourceVersion", "resource_version"),
        ("resourceVersionMatch", "resource_version_match"),
    ):
        if key in args:
            options[option] = args[key]
    return context.attempt(lambda: context.custom.list_namespaced_custom_object(**_ids(context), **options))


def _dry_run(args):
    return {"dry_run": "All"} if args.get("dryRun") else {}


def create(context, args, progress):
    return context.attempt(
        lambda: context.custom.create_namespaced_custom_object(body=args["body"], **_ids(context), **_dry_run(args))
    )


def replace(context, args, progress):
    return context.attempt(
        lambda: context.custom.replace_namespaced_custom_object(name=args["name"], body=args["body"], **_ids(context))
    )


def merge_patch(context, args, progress):
    """patch_namespaced_custom_object: the client sends application/merge-patch+json."""
    return context.attempt(
        lambda: context.custom.patch_namespaced_custom_object(
            name=args["name"], body=args["body"], **_ids(context), **_dry_run(args)
        )
    )


def merge_patch_status(context, args, progress):
    return context.attempt(
        lambda: context.custom.patch_namespaced_custom_object_status(
            name=args["name"], body=args["body"], **_ids(context)
        )
    )


def delete(context, args, progress):
    return context.attempt(lambda: context.custom.delete_namespaced_custom_object(name=args["name"], **_ids(context)))


def patch_as(context, args, progress):
    """A PATCH with the given content type through the client's call_api (its transport, auth and errors)."""
    path = context.flinkdeployments_path(args["name"], args.get("subresource"))
    return context.raw("PATCH", path, body=args["body"], content_type=args["contentType"])


def get_scale(context, args, progress):
    return context.attempt(
        lambda: context.custom.get_namespaced_custom_object_scale(name=args["name"], **_ids(context))
    )


def merge_patch_scale(context, args, progress):
    return context.attempt(
        lambda: context.custom.patch_namespaced_custom_object_scale(
            name=args["name"], body=args["body"], **_ids(context)
        )
    )


def replace_scale(context, args, progress):
    return context.attempt(
        lambda: context.custom.replace_namespaced_custom_object_scale(
            name=args["name"], body=args["body"], **_ids(context)
        )
    )


STEPS = {
    "flinkdeployments.get": get,
    "flinkdeployments.list": list_,
    "flinkdeployments.create": create,
    "flinkdeployments.replace": replace,
    "flinkdeployments.mergePatch": merge_patch,
    "flinkdeployments.mergePatchStatus": merge_patch_status,
    "flinkdeployments.delete": delete,
    "flinkdeployments.patchAs": patch_as,
    "flinkdeployments.getScale": get_scale,
    "flinkdeployments.mergePatchScale": merge_patch_scale,
    "flinkdeployments.replaceScale": replace_scale,
}
