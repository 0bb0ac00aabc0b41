"""Form `pattern`s run in RE2, which never backtracks: a match costs time linear in the text, whatever the pattern.

Python's `re` takes seconds per submission on `(a+)+$` (doubling per character). RE2 refuses what needs
backtracking (back-references, look-around): such a pattern is refused when its form is deployed.
Patterns are written for form-js, i.e. in JavaScript syntax; its `\\uXXXX` escapes become RE2's `\\x{XXXX}`.
"""

import re
from functools import lru_cache

import re2

_JS_ESCAPE = re.compile(r"(?<!\\)((?:\\\\)*)\\u(?:\{([0-9a-fA-F]{1,6})\}|([0-9a-fA-F]{4}))")
_OPTIONS = re2.Options()
_OPTIONS.log_errors = False  # a refused pattern is reported to the designer, not to stderr
_OPTIONS.max_mem = 8 << 20


class PatternError(ValueError):
    """A pattern RE2 cannot compile."""


@lru_cache(maxsize=512)
def compiled(pattern: str):
    """Return the RE2 form of a form-js pattern; raise PatternError naming the problem."""
    source = _JS_ESCAPE.sub(lambda m: f"{m.group(1)}\\x{{{m.group(2) or m.group(3)}}}", pattern)
    try:
        return re2.compile(source, _OPTIONS)
    except re2.error as err:
        message = err.args[0].decode() if err.args and isinstance(err.args[0], bytes) else str(err)
        raise PatternError(message) from None


def matches(pattern: str, text: str) -> bool:
    """Return whether `text` matches `pattern` as a whole."""
    return compiled(pattern).fullmatch(text) is not None
