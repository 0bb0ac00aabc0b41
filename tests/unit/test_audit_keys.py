"""The audit keys as configured: AUDIT_KEYS_RETIRED parsed, keys named by an id that does not disclose them."""

import hashlib
import hmac

import pytest

from app.config import retired_keys
from app.domain.audit import AuditKeys, key_id


@pytest.mark.parametrize("listed, keys", [("", ()), ("  ", ()), ("old", ("old",)),
                                          ("older, old ,oldest", ("older", "old", "oldest"))])
def test_retired_keys_are_comma_separated_with_spaces_around_each_ignored(listed, keys):
    assert retired_keys(listed) == keys


@pytest.mark.parametrize("listed", ["a,,b", "a,", ",a", "a, ,b"])
def test_an_empty_retired_key_is_refused(listed):
    with pytest.raises(RuntimeError, match="AUDIT_KEYS_RETIRED"):
        retired_keys(listed)


def test_a_keys_id_is_stable_distinct_and_not_the_key():
    assert key_id(b"k1") == key_id(b"k1") != key_id(b"k2")
    assert len(key_id(b"k1")) == 12 and "k1" not in key_id(b"k1")


def test_an_archive_signature_is_held_under_the_key_that_made_it_current_or_retired():
    keys = AuditKeys(b"new", (b"old",))
    content = b'{"format":"x"}\n'

    def signed(key: bytes) -> str:
        return hmac.new(key, content, hashlib.sha256).hexdigest()

    assert keys.archive_key(content, signed(b"new")) == b"new"
    assert keys.archive_key(content, signed(b"old")) == b"old"
    assert keys.archive_key(content, signed(b"other")) is None
    assert AuditKeys(b"new").archive_key(content, signed(b"old")) is None
