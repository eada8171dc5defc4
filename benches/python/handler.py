"""add-contact written the usual Python way (boto3, one module), for the cold-start comparison in
`scripts/bench cold-start`. Not part of the service.

It makes the same DynamoDB write as the Rust function for the same request: one
TransactWriteItems that raises the client's count on condition that the client exists and
already has contacts, puts the contact only if new, puts its index items (a topic item per
notification topic, a search item per folded term: last name, first name, email) and claims its
email address only if unclaimed; a client without contacts gets its first one as primary on a
second attempt, as in Rust. The items, their values and the 201 answer are the Rust function's
(the benchmark compares them before it times anything: benches/src/same_work.rs). Input checks
are a subset: the fields the benchmark sends (names, email, notification topics, permissions,
`invite: false`), unknown fields refused. A request that leaves notifications, permissions or
invite to the tenant's settings is refused too; so are phones, addresses, managers, portal
settings, custom fields and Idempotency-Key. Like the Rust function, it reads the tenant's
settings (one GetItem, kept 30 s per warm instance) for the custom fields a new contact
requires, and refuses the request when the tenant has any. Folding for
search keeps to what `unicodedata` knows (Rust transliterates with deunicode): the same for the
benchmark's names.
"""

import datetime
import json
import os
import re
import secrets
import time
import unicodedata

import boto3

# Built once per cold start and reused by every invocation, as the Rust functions do.
TABLE = os.environ["TABLE_NAME"]
DYNAMODB = boto3.client("dynamodb")

WRITER_GROUPS = {"global_admins", "psa_admins"}
# In the Rust vocabulary's order, which is how a contact's topics are kept.
TOPICS = ("invoice", "credit_note", "estimate", "ticket", "project", "contract", "task", "timesheet_approval")
PERMISSIONS = ("invoices", "estimates", "contracts", "proposals", "support", "projects")
TEXT_FIELDS = ("salutation", "first_name", "last_name", "job_title", "department", "description")
HANDLED = set(TEXT_FIELDS) | {"email", "notifications", "permissions", "invite"}
# The longest search term kept (domain::lookup::MAX_TERM_CHARS), and what separates the last
# name from the first in the name sort key.
MAX_TERM_CHARS = 100
NAME_SEPARATOR = "\u0001"
TENANT = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
ULID = re.compile(r"^[0-9A-HJKMNP-TV-Z]{26}$")
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"


class Problem(Exception):
    def __init__(self, status, code, detail, errors=None):
        super().__init__(detail)
        self.status, self.code, self.detail, self.errors = status, code, detail, errors


# The tenant's settings as last read, and when: reused for SETTINGS_TTL seconds.
SETTINGS_TTL = 30
SETTINGS = {}


def requires_custom_fields(tenant):
    """Whether the tenant requires custom fields of a new contact (its settings, as recently read)."""
    read_at, item = SETTINGS.get(tenant, (None, None))
    if read_at is None or time.monotonic() - read_at >= SETTINGS_TTL:
        key = {"PK": {"S": f"TENANT#{tenant}"}, "SK": {"S": "SETTINGS"}}
        item = DYNAMODB.get_item(TableName=TABLE, Key=key, ConsistentRead=True).get("Item") or {}
        SETTINGS[tenant] = (time.monotonic(), item)
    fields = item.get("custom_fields", {}).get("L", [])
    return any(f.get("M", {}).get("required", {}).get("BOOL") for f in fields)


def new_ulid():
    value = (int(time.time() * 1000) << 80) | secrets.randbits(80)
    return "".join(CROCKFORD[(value >> shift) & 31] for shift in range(125, -1, -5))


def now():
    return datetime.datetime.now(datetime.timezone.utc).isoformat().replace("+00:00", "Z")


def writer(claims):
    """The caller's tenant and user id; refuses anyone who may not write."""
    tenant, user = claims.get("custom:tenant_id", ""), claims.get("sub", "")
    if not TENANT.match(tenant) or not user:
        raise Problem(401, "unauthenticated", "no valid identity")
    groups = claims.get("cognito:groups", [])
    if isinstance(groups, str):
        groups = groups.strip("[]").split()
    privileges = claims.get("custom:privileges", "").split()
    if not WRITER_GROUPS & set(groups) and "manage_all_clients" not in privileges:
        raise Problem(403, "forbidden", "this needs an administrator")
    return tenant, user


def fields_of(raw):
    try:
        body = json.loads(raw or "")
    except ValueError:
        raise Problem(400, "bad-request", "the body is not JSON")
    if not isinstance(body, dict):
        raise Problem(400, "bad-request", "the body must be a JSON object")
    errors = [{"field": k, "message": "unknown or not handled here"} for k in body if k not in HANDLED]
    fields = {}
    for name in TEXT_FIELDS:
        value = body.get(name)
        if value is not None and not isinstance(value, str):
            errors.append({"field": name, "message": "must be a string"})
        elif value and value.strip():
            if len(value.strip()) > 200:
                errors.append({"field": name, "message": "at most 200 characters"})
            fields[name] = value.strip()
    if "last_name" not in fields:
        errors.append({"field": "last_name", "message": "is required"})
    email = body.get("email")
    if email is None:
        errors.append({"field": "email", "message": "at least one of email, mobile or phone is required"})
    else:
        if not isinstance(email, str) or not EMAIL.match(email.strip()):
            errors.append({"field": "email", "message": "is not an email address"})
        else:
            fields["email"] = email.strip()
    for name, vocabulary in (("notifications", TOPICS), ("permissions", PERMISSIONS)):
        values = body.get(name)
        if values is None:
            errors.append({"field": name, "message": "left to the tenant's settings: not handled here"})
        elif not isinstance(values, list) or any(v not in vocabulary for v in values):
            errors.append({"field": name, "message": "unknown value"})
        else:
            fields[name] = sorted(set(values), key=vocabulary.index)
    if body.get("invite") is not False:
        errors.append({"field": "invite", "message": "only false is handled here"})
    if errors:
        raise Problem(422, "validation-failed", "some fields are invalid", errors)
    return fields


def fold(text):
    """Lower case without accents or control characters, trimmed (domain::lookup::fold)."""
    plain = "".join(c for c in unicodedata.normalize("NFKD", text)
                    if not unicodedata.combining(c) and unicodedata.category(c) != "Cc")
    return plain.strip().lower()


def term(text):
    return fold(text)[:MAX_TERM_CHARS]


def terms(contact):
    """The folded terms a contact is found by: last name, first name, email, each once."""
    found = {term(contact[name]) for name in ("last_name", "first_name", "email") if contact.get(name)}
    return sorted(t for t in found if t)


def name_key(contact):
    return term(contact["last_name"]) + NAME_SEPARATOR + term(contact.get("first_name") or "")


def index_items(tenant, contact):
    """A topic item per topic and a search item per term (store::index), in key order."""
    def item(pk, sk, entity):
        return {"PK": {"S": pk}, "SK": {"S": sk}, "entity": {"S": entity},
                "client_id": {"S": contact["client_id"]}, "contact_id": {"S": contact["id"]}}
    items = [item(f"TENANT#{tenant}#CLIENT#{contact['client_id']}", f"TOPIC#{topic}#{contact['id']}", "topic")
             for topic in contact["notifications"]]
    items += [item(f"TENANT#{tenant}#FIND", f"{t}#{contact['id']}", "find") for t in terms(contact)]
    return sorted(items, key=lambda i: (i["PK"]["S"], i["SK"]["S"]))


def contact_item(tenant, contact):
    item = {
        "PK": {"S": f"TENANT#{tenant}#CLIENT#{contact['client_id']}"},
        "SK": {"S": f"CONTACT#{contact['id']}"},
        "entity": {"S": "contact"},
        "id": {"S": contact["id"]},
        "client_id": {"S": contact["client_id"]},
        "is_primary": {"BOOL": contact["is_primary"]},
        "portal_status": {"S": "none"},
        "notifications": {"L": [{"S": t} for t in contact["notifications"]]},
        "permissions": {"L": [{"S": p} for p in contact["permissions"]]},
        "GSI2SK": {"S": name_key(contact)},
        "GSI3PK": {"S": f"TENANT#{tenant}#CONTACTS"},
        "version": {"N": "1"},
    }
    for name in TEXT_FIELDS + ("email", "created_at", "updated_at", "created_by", "updated_by"):
        if contact.get(name) is not None:
            item[name] = {"S": contact[name]}
    return item


def transaction(tenant, contact, first):
    """The writes of one attempt, in the Rust function's order: the client's count (and primary
    for a first contact), the contact, its index items, its email marker (last)."""
    values = {":one": {"N": "1"}, ":zero": {"N": "0"}, ":at": {"S": contact["updated_at"]},
              ":by": {"S": contact["updated_by"]}}
    update = "SET contact_count = contact_count + :one, version = version + :one, updated_at = :at, updated_by = :by"
    condition = "attribute_exists(PK) AND contact_count > :zero"
    if first:
        update += ", primary_contact_id = :new"
        values[":new"] = {"S": contact["id"]}
        condition = "attribute_exists(PK) AND contact_count = :zero"
    items = [
        {"Update": {
            "TableName": TABLE,
            "Key": {"PK": {"S": f"TENANT#{tenant}"}, "SK": {"S": f"CLIENT#{contact['client_id']}"}},
            "UpdateExpression": update,
            "ConditionExpression": condition,
            "ExpressionAttributeValues": values,
            "ReturnValuesOnConditionCheckFailure": "ALL_OLD",
        }},
        {"Put": {"TableName": TABLE, "Item": contact_item(tenant, contact),
                 "ConditionExpression": "attribute_not_exists(PK)"}},
    ]
    items += [{"Put": {"TableName": TABLE, "Item": item}} for item in index_items(tenant, contact)]
    if contact.get("email"):
        marker = {
            "PK": {"S": f"TENANT#{tenant}#EMAIL#{contact['email'].lower()}"},
            "SK": {"S": "EMAIL"},
            "entity": {"S": "email"},
            "contact_id": {"S": contact["id"]},
            "client_id": {"S": contact["client_id"]},
            "email": {"S": contact["email"]},
        }
        items.append({"Put": {"TableName": TABLE, "Item": marker,
                              "ConditionExpression": "attribute_not_exists(PK)"}})
    return items


def write(tenant, contact):
    first = False
    for _ in range(3):
        contact["is_primary"] = first
        try:
            DYNAMODB.transact_write_items(TransactItems=transaction(tenant, contact, first))
            return
        except DYNAMODB.exceptions.TransactionCanceledException as e:
            reasons = e.response.get("CancellationReasons", [])
            codes = [r.get("Code") for r in reasons]
            # The client's condition decides first, then the marker's, as in Rust.
            if codes and codes[0] == "ConditionalCheckFailed":
                old = reasons[0].get("Item")
                if not old:
                    raise Problem(404, "not-found", "no such client")
                first = old.get("contact_count", {}).get("N") == "0"
                continue
            if contact.get("email") and codes and codes[-1] == "ConditionalCheckFailed":
                raise Problem(409, "email-taken", "another contact has this email address")
            if "TransactionConflict" in codes:
                continue
            raise
    raise Problem(409, "contention", "try again")


def body_of(contact):
    return {
        "id": contact["id"], "client_id": contact["client_id"],
        **{name: contact.get(name) for name in TEXT_FIELDS},
        "email": contact.get("email"), "mobile": None, "phone": None, "secondary_phone": None,
        "address": None, "line_manager_id": None, "is_primary": contact["is_primary"], "project_count": 0,
        "tag_ids": [],
        "notifications": contact["notifications"], "permissions": contact["permissions"],
        "custom": {}, "email_status": "ok", "email_status_at": None, "email_status_reason": None,
        "portal": {"status": "none", "support_start": None, "support_end": None,
                   "invited_at": None, "activated_at": None},
        "version": 1, "created_at": contact["created_at"], "updated_at": contact["updated_at"],
        "created_by": contact["created_by"], "updated_by": contact["updated_by"],
    }


def response(status, body, headers=None):
    return {"statusCode": status, "headers": {"content-type": "application/json", **(headers or {})},
            "body": json.dumps(body), "isBase64Encoded": False}


def add_contact(event, context):
    """POST /clients/{clientId}/contacts"""
    try:
        claims = ((event.get("requestContext") or {}).get("authorizer") or {}).get("jwt", {}).get("claims", {})
        tenant, user = writer(claims)
        client_id = (event.get("pathParameters") or {}).get("clientId", "")
        if not ULID.match(client_id):
            raise Problem(404, "not-found", "no such client")
        fields = fields_of(event.get("body"))
        if requires_custom_fields(tenant):
            raise Problem(422, "validation-failed", "the tenant requires custom fields: not handled here")
        stamp = now()
        contact = {"id": new_ulid(), "client_id": client_id, **fields,
                   "created_at": stamp, "updated_at": stamp, "created_by": user, "updated_by": user}
        write(tenant, contact)
        location = f"/clients/{client_id}/contacts/{contact['id']}"
        return response(201, body_of(contact), {"location": location, "etag": '"v1"'})
    except Problem as p:
        body = {"type": f"/problems/{p.code}", "title": p.code, "status": p.status, "code": p.code,
                "detail": p.detail}
        if p.errors:
            body["errors"] = p.errors
        return response(p.status, body, {"content-type": "application/problem+json"})
