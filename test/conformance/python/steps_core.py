"""Core and other built-in kinds: Events (CoreV1Api), Leases (CoordinationV1Api), TokenReview, SubjectAccessReview."""


def create_event(context, args, progress):
    return context.attempt(lambda: context.core.create_namespaced_event(context.namespace, args["body"]))


def create_events_v1(context, args, progress):
    """events.k8s.io/v1 (EventsV1Api): the new Event API, whose deprecated* fields must stay unset."""
    return context.attempt(lambda: context.events.create_namespaced_event(context.namespace, args["body"]))


def list_events(context, args, progress):
    return context.attempt(lambda: context.core.list_namespaced_event(context.namespace))


def create_lease(context, args, progress):
    return context.attempt(lambda: context.coordination.create_namespaced_lease(context.namespace, args["body"]))


def read_lease(context, args, progress):
    return context.attempt(lambda: context.coordination.read_namespaced_lease(args["name"], context.namespace))


def replace_lease(context, args, progress):
    return context.attempt(
        lambda: context.coordination.replace_namespaced_lease(args["name"], context.namespace, args["body"])
    )


def token_review(context, args, progress):
    return context.attempt(lambda: context.authentication.create_token_review(args["body"]))


def subject_access_review(context, args, progress):
    return context.attempt(lambda: context.authorization.create_subject_access_review(args["body"]))


STEPS = {
    "events.create": create_event,
    "events.list": list_events,
    "events.createV1": create_events_v1,
    "leases.create": create_lease,
    "leases.read": read_lease,
    "leases.replace": replace_lease,
    "reviews.token": token_review,
    "reviews.subjectAccess": subject_access_review,
}
