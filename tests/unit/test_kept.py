from app.domain.kept import Kept


def test_the_least_recently_used_entry_is_forgotten_first():
    kept = Kept[str, int](2)
    kept.put("a", 1)
    kept.put("b", 2)
    assert kept.get("a") == 1  # "b" is now the least recently used
    kept.put("c", 3)
    assert (kept.get("a"), kept.get("b"), kept.get("c")) == (1, None, 3)


def test_a_value_that_fails_to_be_made_is_not_kept():
    kept = Kept[str, int](2)

    def refused() -> int:
        raise ValueError("refused")

    try:
        kept.made("q", refused)
    except ValueError:
        pass
    assert kept.get("q") is None
    assert kept.made("q", lambda: 7) == 7 and kept.made("q", lambda: 8) == 7
