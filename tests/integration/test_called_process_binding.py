"""A caller's definition carries the called process it was deployed with; redeploying unchanged files adds nothing."""

from app.cli import DEPLOYED_FOLDERS, deploy_directory
from app.services.definitions import latest_definition


def test_redeploying_unchanged_workflows_makes_no_new_version_of_callers_or_called(runtime):
    deployed = deploy_directory(runtime, *DEPLOYED_FOLDERS)
    assert not [d for d in deployed if d.split(":")[0] in ("referral", "dibao", "linshi", "tekun")]


def test_every_caller_binds_the_latest_referral_with_its_pinned_forms(runtime):
    with runtime.unit_of_work() as uow:
        referral = latest_definition(uow.session, "referral")
        for key in ("dibao", "linshi", "tekun"):
            caller = latest_definition(uow.session, key)
            assert caller.spec["subprocess_specs"]["referral"] == referral.spec["spec"]
            assert caller.spec["called"]["referral"] == referral.activities
            assert "referral" in caller.spec["calls"][key] and caller.spec["calls"]["referral"] == []
        assert referral.activities["referral_accept"]["formId"].startswith("referral_accept:")
