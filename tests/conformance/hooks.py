"""Schemathesis hooks for scripts/conformance (loaded through SCHEMATHESIS_HOOKS).

One check replaces a built-in one, for a reason the built-in cannot see:

`ensure_resource_availability` (ST302) follows a creating POST to the GET of what it created
and expects it to be there unless the run deleted it through that same POST's links. A retry
with an `Idempotency-Key` the generator has used before (with the same body) is answered with
the first response, as openapi.yaml documents: the resource named there may have been deleted
since by another sequence of the run, so its GET is rightly 404. The API marks such answers with
`Idempotent-Replayed: true`; for every other creating response the built-in check runs unchanged.
"""

import schemathesis
from schemathesis.specs.openapi.checks import ensure_resource_availability


def _was_replayed(ctx, case) -> bool:
    parent = ctx.internals.find_parent(case_id=case.id)
    if parent is None:
        return False
    parent_response = ctx.internals.find_response(case_id=parent.id)
    if parent_response is None:
        return False
    return parent_response.headers.get("idempotent-replayed", []) == ["true"]


@schemathesis.check
def resource_available_unless_replayed(ctx, response, case):
    """ST302 (created resource not found), except after a replayed creating response."""
    if response.status_code == 404 and _was_replayed(ctx, case):
        return None
    return ensure_resource_availability(ctx, response, case)
