"""Specs of tests/conformance/hooks.py's own decisions (scripts/conformance runs them first)."""

import unittest
from types import SimpleNamespace

import hooks

CREATED_CLIENT = b'{"id":"01M96P4KVV0PD1R9386F18HD9C","name":"Acme"}'
DEMO = {"clientId": "01JDEM0C11ENT0000000000000", "contactId": "01JDEM0C0NTACT000000000000"}


def context(parent_body: bytes | None):
    """A check context whose recorder knows one parent case and, maybe, its response."""
    parent = SimpleNamespace(id="parent")
    response = None if parent_body is None else SimpleNamespace(content=parent_body, headers={})
    internals = SimpleNamespace(
        find_parent=lambda case_id: parent,
        find_response=lambda case_id: response,
    )
    return SimpleNamespace(internals=internals)


def case(path_parameters: dict):
    return SimpleNamespace(id="child", path_parameters=path_parameters)


class NamesWhatWasCreated(unittest.TestCase):
    def test_a_path_whose_ids_are_all_in_the_creating_response_names_what_was_created(self):
        # Given a POST that answered with the client's id, when the follow-up uses that id
        follow_up = case({"clientId": "01M96P4KVV0PD1R9386F18HD9C"})
        # then it is about what was created, and the built-in check applies
        self.assertTrue(hooks._names_what_was_created(context(CREATED_CLIENT), follow_up))

    def test_a_path_pinned_by_the_configuration_does_not_name_what_was_created(self):
        # Given a POST that created a client, when the follow-up's ids are the configured demo ids
        follow_up = case(DEMO)
        # then it is not about what was created (CI, 2026-12-06: ST302 on a deleted demo contact)
        self.assertFalse(hooks._names_what_was_created(context(CREATED_CLIENT), follow_up))

    def test_one_id_from_the_response_and_one_pinned_does_not_name_what_was_created(self):
        follow_up = case({"clientId": "01M96P4KVV0PD1R9386F18HD9C", "contactId": DEMO["contactId"]})
        self.assertFalse(hooks._names_what_was_created(context(CREATED_CLIENT), follow_up))

    def test_without_a_recorded_parent_response_the_built_in_check_decides(self):
        self.assertTrue(hooks._names_what_was_created(context(None), case(DEMO)))


class CreatedResourceCheck(unittest.TestCase):
    def test_a_404_on_a_configured_path_after_a_create_is_not_a_created_resource_not_found(self):
        # Given a client created by a POST, when the pinned demo path answers 404
        not_found = SimpleNamespace(status_code=404)
        # then the replacement of ST302 passes it without asking the built-in check
        outcome = hooks.resource_available_unless_replayed(context(CREATED_CLIENT), not_found, case(DEMO))
        self.assertIsNone(outcome)


class MissingThingIsInThePath(unittest.TestCase):
    def test_a_404_naming_a_kind_the_path_has_no_id_of_is_about_the_body(self):
        # Given a client created by a POST, when its notification names a tag of no such id
        # (CI, 2026-12-07, seed 21: `POST /clients/{clientId}/notifications` with a made-up tag)
        tag_not_found = not_found("tag not found")
        follow_up = case({"clientId": "01M96P4KVV0PD1R9386F18HD9C"})
        # then what is missing is not what the path names, and the check passes it
        self.assertFalse(hooks._missing_is_in_path(tag_not_found, follow_up))
        outcome = hooks.resource_available_unless_replayed(context(CREATED_CLIENT), tag_not_found, follow_up)
        self.assertIsNone(outcome)

    def test_a_404_naming_the_kind_of_a_path_id_is_about_the_path(self):
        follow_up = case({"clientId": "01M96P4KVV0PD1R9386F18HD9C"})
        self.assertTrue(hooks._missing_is_in_path(not_found("client not found"), follow_up))

    def test_a_404_without_a_problem_detail_is_about_the_path(self):
        follow_up = case({"clientId": "01M96P4KVV0PD1R9386F18HD9C"})
        self.assertTrue(hooks._missing_is_in_path(SimpleNamespace(status_code=404, json=lambda: {}), follow_up))


def not_found(detail: str):
    problem = {"type": "/problems/not-found", "code": "not-found", "status": 404, "detail": detail}
    return SimpleNamespace(status_code=404, json=lambda: problem)


if __name__ == "__main__":
    unittest.main()


class ExplainedRefusals(unittest.TestCase):
    def test_a_merge_naming_contacts_the_client_does_not_have_is_explained_for_a_merge_only(self):
        # Given the refusal of a merge body whose ids name no contact of the client
        field, message = "merged_id", "no such contact of this client"

        # Then it is a refusal the schema cannot state, for the merge and no other operation
        self.assertTrue(hooks._explained("merge-contacts", field, message))
        self.assertFalse(hooks._explained("move-contact", field, message))

    def test_a_merge_leaving_no_way_to_reach_the_survivor_is_explained(self):
        self.assertTrue(hooks._explained("merge-contacts", "fields.email", hooks.NO_CHANNEL))
        self.assertFalse(hooks._explained("merge-contacts", "fields.email", "must be survivor or merged"))
