"""Schemathesis hooks for scripts/conformance (loaded through SCHEMATHESIS_HOOKS).

One check replaces a built-in one, for a reason the built-in cannot see:

`ensure_resource_availability` (ST302) follows a creating POST to the GET of what it created
and expects it to be there unless the run deleted it through that same POST's links. A retry
with an `Idempotency-Key` the generator has used before (with the same body) is answered with
the first response, as openapi.yaml documents: the resource named there may have been deleted
since by another sequence of the run, so its GET is rightly 404. The API marks such answers with
`Idempotent-Replayed: true`.

Nor is it about what was created when schemathesis.toml pins the follow-up's path parameters
(`reset-contact-password` always names the seeded demo contact): Schemathesis counts a configured
value as one taken from the link, so a client created by `POST /clients` was "not found" at
`/clients/{demo}/contacts/{demo}/password-reset` after the run had deleted the demo contact
(CI, 2026-12-06, seed 21). The check runs only where every path parameter of the follow-up is a
value the creating response holds; for every other creating response it runs unchanged.

Nor is it about what was created when the 404 names a thing the path has no id of: a
notification naming a tag of no such id is 404 "tag not found" (docs/api.md), and a client
created a moment before is no less there (CI, 2026-12-07, seed 21). The API's not-found problem
says `<kind> not found`; the check runs when the path has an id of that kind (`tag` ->
`tagId`), or when the answer says no kind.
"""

import re

import schemathesis
from schemathesis.specs.openapi.checks import ensure_resource_availability, positive_data_acceptance


def _parent_response(ctx, case):
    """The response to the case that led to this one in a stateful sequence, if recorded."""
    parent = ctx.internals.find_parent(case_id=case.id)
    return None if parent is None else ctx.internals.find_response(case_id=parent.id)


def _was_replayed(ctx, case) -> bool:
    parent_response = _parent_response(ctx, case)
    return parent_response is not None and parent_response.headers.get("idempotent-replayed", []) == ["true"]


def _names_what_was_created(ctx, case) -> bool:
    """Every path parameter of the case is a value the parent's response holds."""
    parent_response = _parent_response(ctx, case)
    if parent_response is None:
        return True
    created = parent_response.content.decode("utf-8", "replace")
    return all(str(value) in created for value in (case.path_parameters or {}).values())


def _missing_is_in_path(response, case) -> bool:
    """The 404 names a kind the path has an id of, or names none."""
    detail = _problem(response).get("detail")
    if not isinstance(detail, str) or not detail.endswith(" not found"):
        return True
    kind = detail.removesuffix(" not found")
    wanted = re.sub(r" (.)", lambda m: m.group(1).upper(), kind) + "Id"
    return wanted in (case.path_parameters or {})


@schemathesis.check
def resource_available_unless_replayed(ctx, response, case):
    """ST302 (created resource not found), except after a replayed creating response or where
    the follow-up's path does not name what was created, or the 404 is about no id of the path."""
    if response.status_code == 404 and (
        _was_replayed(ctx, case) or not _names_what_was_created(ctx, case) or not _missing_is_in_path(response, case)
    ):
        return None
    return ensure_resource_availability(ctx, response, case)


# Refusals of schema-valid requests for a reason openapi.yaml states in words but JSON Schema
# cannot: each names the operations it covers, the status, and what the answer must say, so
# that any other 400 or 422 to a valid request still fails `positive_data_acceptance`.
PHONE_FIELDS = {"phone", "mobile", "secondary_phone"}
NO_CHANNEL = "at least one of email, mobile or phone is required"
CONTACT_WRITES = {"add-contact", "update-contact", "duplicate-contact"}
PHONE_WRITES = {"create-client", "update-client", "update-portal-profile"} | CONTACT_WRITES
CREATES = {"create-client", "add-contact", "duplicate-contact"}
LISTS = {
    "list-clients",
    "list-contacts",
    "list-contact-activity",
    "list-project-contacts",
    "find-contacts",
    "find-duplicates",
    "list-tasks",
    "list-tags",
    "list-tag-contacts",
}
FIND_RULES = {
    "give at most one of email and q",
    "filters and sort are for browsing: give neither email nor q",
    "email finds one contact: it takes no limit or cursor",
    # `q` is compared folded (accents dropped, transliterated to ASCII, trimmed): one that folds
    # to nothing, such as a lone control character, finds nothing to search for. What folds to
    # what is deunicode's table, which no pattern states.
    "q must hold 1 to 100 characters besides white space",
}
LINE_MANAGER_RULES = {"no such contact of this client", "a contact cannot be its own line manager"}
# The archived contacts are listed with no filter or order (each is its own list's rule).
LIST_CONTACTS_RULES = {"sort=name cannot be combined with topic"} | {
    f"{name} cannot be combined with archived=true"
    for name in ("topic", "primary", "portal_status", "email_status", "sort")
}
MOVE_RULES = {"no such client of this tenant", "is the contact's client already"}
# A merge's body names a client and two of its contacts, and the survivor must stay reachable.
MERGE_RULES = {
    ("survivor_id", "no such contact of this client"),
    ("merged_id", "no such contact of this client"),
    ("merged_id", "is the survivor itself"),
    ("fields.line_manager_id", "no such contact of this client"),
    ("fields.email", NO_CHANNEL),
}
SLA_RULES = {"is required for a priority that has times", "must not exceed resolution_minutes"}
TASK_FIELDS = {"due", "assignee", "done"}
CUSTOM_FILTER_REFUSALS = ("custom.",)


def _problem(response) -> dict:
    try:
        body = response.json()
    except Exception:
        return {}
    return body if isinstance(body, dict) else {}


def _error_fields(problem: dict) -> list[tuple[str, str]]:
    errors = problem.get("errors")
    if not isinstance(errors, list) or not errors:
        return []
    return [(str(e.get("field")), str(e.get("message"))) for e in errors if isinstance(e, dict)]


def _explained(operation: str, field: str, message: str) -> bool:
    """A field of a 422 for a reason JSON Schema cannot state."""
    # A phone number valid for its region (libphonenumber's rules, `DEFAULT_PHONE_REGION` for
    # national numbers): openapi.yaml's `Phone` says what a schema can, the length.
    if field in PHONE_FIELDS:
        return operation in PHONE_WRITES
    # A contact keeps one way to reach it: an add without any of email, mobile or phone, a
    # patch clearing the last one the contact has, a duplicate of a contact reachable only by
    # email (its copy gets no email). A rule across the body and the stored contact.
    if field == "email" and message == NO_CHANNEL:
        return operation in CONTACT_WRITES
    # `portal.support_end` before `portal.support_start`: a comparison of two fields (one of
    # them maybe stored), which JSON Schema cannot make.
    if field == "portal.support_end" and message == "must not be before support_start":
        return operation in {"add-contact", "update-contact"}
    # A line manager is another contact of the same client: an id names one or not only in
    # the table (and a contact's own id is its own in no body's view).
    if field == "line_manager_id" and message in LINE_MANAGER_RULES:
        return operation in CONTACT_WRITES
    # A move names another client of the caller's tenant: which ids are clients, and which is
    # the contact's own, only the table says.
    if field == "client_id" and message in MOVE_RULES:
        return operation == "move-contact"
    # A merge names two contacts of one client, which only the table knows, and two different
    # ones (`merged_id` equal to `survivor_id`, a comparison of two fields); its choices must
    # leave a way to reach the survivor (its stored fields and the merged contact's decide).
    if (field, message) in MERGE_RULES:
        return operation == "merge-contacts"
    # A priority with times has both, the response no later than the resolution: a rule
    # between two fields, in a merge patch one of them maybe stored.
    if field.startswith("sla.") and field.endswith("_minutes") and message in SLA_RULES:
        return operation in {"create-client", "update-client"}
    # A task's fields on a note that is not a task: a patch does not say the stored note's kind
    # (add-note's schema states the rule with `if`/`then`/`else`).
    if field in TASK_FIELDS and message == "only a task has it":
        return operation == "update-note"
    # A contact's `custom` values are checked by the tenant's own field definitions, which live
    # in its settings: which keys exist, their types, options and whether they are required is
    # data, not the schema (openapi.yaml's `custom` says so).
    if field.startswith("custom."):
        return operation in CONTACT_WRITES | {"create-export"}
    # A tenant's custom fields have keys unique in its list: `uniqueItems` compares whole items,
    # not one property of them.
    if message == "is the key of another field" and re.fullmatch(r"custom_fields\[\d+\]\.key", field):
        return operation == "update-settings"
    return False


def _refusal_the_schema_cannot_state(case, response) -> bool:
    operation = case.operation.definition.raw.get("operationId")
    status, problem = response.status_code, _problem(response)
    code = problem.get("code")
    if status == 422 and code == "validation-failed":
        errors = _error_fields(problem)
        return bool(errors) and all(_explained(operation, f, m) for f, m in errors)
    # The same `Idempotency-Key` with another body: depends on an earlier request of the run.
    if status == 422 and code == "idempotency-key-reused" and operation in CREATES:
        return "idempotency-key" in {k.lower() for k in (case.headers or {})}
    if status == 400 and code == "bad-request" and operation in LISTS:
        query = case.query or {}
        # `cursor` is opaque: only a `next_cursor` the API issued is valid.
        if "cursor" in query and problem.get("detail") == "invalid cursor":
            return True
        # Finding people takes at most one of `email` and `q`, `email` no `limit` or `cursor`,
        # and neither the browsing filters: rules between parameters, which OpenAPI's
        # parameter list cannot state.
        if operation == "find-contacts" and problem.get("detail") in FIND_RULES:
            return True
        # `custom.<key>` filters name one of the tenant's select fields and one of its options:
        # the tenant's definitions, not the schema, say which.
        detail = str(problem.get("detail"))
        if operation == "find-contacts" and detail.startswith(CUSTOM_FILTER_REFUSALS):
            return True
        # `sort=name` lists by name, `topic` reads the topic's items: not both; the archived
        # contacts take neither (openapi.yaml).
        if operation == "list-contacts" and problem.get("detail") in LIST_CONTACTS_RULES:
            return True
    return False


@schemathesis.check
def positive_data_accepted_unless_the_schema_cannot_say(ctx, response, case):
    """`positive_data_acceptance` (which schemathesis.toml turns off), except for the refusals
    above, each narrowed to the answer it explains."""
    if _refusal_the_schema_cannot_state(case, response):
        return None
    return positive_data_acceptance(ctx, response, case)
