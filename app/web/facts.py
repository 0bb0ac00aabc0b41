"""Case data as a page shows it: the staff's words for each field and value, the programme's settings apart."""

from flask import g, has_request_context

from app.domain.county_settings import SETTINGS
from app.services.vocabulary import Vocabulary, vocabulary

from .auth import runtime

# not case facts: shown elsewhere on the page (referrals, documents) or used by the machine only
NOT_FACTS = {"referrals", "documents"}
# the window's intake checkboxes: a fact of the case only when ticked (「不予受理… 否」 on every later step is noise)
FACTS_WHEN_TICKED = {"not_accepted", "household_confirmed"}


def words() -> Vocabulary:
    """The dictionary every page reads its labels and value names from: looked up once per request, as each look-up
    asks the database whether it is still current (a page of 200 timers names 400 things through it)."""
    if not has_request_context():
        return vocabulary(runtime())
    if "vocabulary" not in g:
        g.vocabulary = vocabulary(runtime())
    return g.vocabulary


def case_facts(shown: dict, process: str | None, vocab: Vocabulary | None = None) -> list[tuple[str, str, str]]:
    """Return (name, label, text) of case data as the actor may see it: the applicant's facts first, then the
    county settings this programme runs under (other programmes' settings, though copied, are left out)."""
    vocab = vocab or words()
    facts, seen = [], set()
    for k, v in shown.items():
        fact = (k, vocab.label(process, k), vocab.shown(process, k, v))
        if k in SETTINGS or k in NOT_FACTS or fact[1:] in seen or (k in FACTS_WHEN_TICKED and v is not True):
            continue  # a value two steps recorded under one label (供养起始月份 decided, then confirmed) once
        seen.add(fact[1:])
        facts.append(fact)
    settings = [(k, vocab.label(process, k), vocab.shown(process, k, shown[k])) for k in vocab.settings_of(process)
                if k in shown]
    return facts + settings
