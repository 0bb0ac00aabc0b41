"""Comparing two versions of a process names each step added, removed or changed, attribute by attribute."""

from app.services.catalogue import Change, _activity_changes


def test_changed_attributes_added_and_removed_steps_are_listed_by_step():
    before = {"accept": {"type": "userTask", "name": "受理", "candidateGroups": "window"},
              "review": {"type": "userTask", "name": "初审", "candidateGroups": "township_reviewer",
                         "formId": "f:1:a"},
              "old": {"type": "userTask", "name": "旧环节"}}
    after = {"accept": {"type": "userTask", "name": "受理", "candidateGroups": "window"},
             "review": {"type": "userTask", "name": "初审", "candidateGroups": "county_reviewer",
                        "dueDate": "${add_workdays(accepted_at, 10)}", "formId": "f:2:b"},
             "new": {"type": "serviceTask", "name": "核对", "topic": "household-verification"}}
    assert _activity_changes(before, after) == [
        Change("new", "核对", "added"),
        Change("old", "旧环节", "removed"),
        Change("review", "初审", "candidateGroups", "township_reviewer", "county_reviewer"),
        Change("review", "初审", "dueDate", None, "${add_workdays(accepted_at, 10)}"),
    ]  # the pinned form version (formId) follows from deployment, not from the designer's edit


def test_identical_versions_have_no_changes():
    steps = {"accept": {"type": "userTask", "name": "受理"}}
    assert _activity_changes(steps, dict(steps)) == []
