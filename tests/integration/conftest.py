"""Fixtures the verification tests share."""

import pytest

import app.services.audit as audit_module


@pytest.fixture
def replayed(monkeypatch):
    """Count the events replay re-runs."""
    counted = []
    original = audit_module.replay

    def counting(definition, calendar_at, events, *args):
        counted.append(len(events))
        return original(definition, calendar_at, events, *args)

    monkeypatch.setattr(audit_module, "replay", counting)
    return counted
