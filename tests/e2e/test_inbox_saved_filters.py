"""常用筛选: a user saves the inbox filter and search in use under a name, picks it again, replaces and deletes it."""

import html
import re
import uuid

from tests.support.dibao_steps import Case
from tests.support.web_client import Web


def _saved(page: str) -> dict[str, str]:
    """The saved filters the inbox offers: name → the inbox address it opens."""
    found = re.findall(r'<span class="saved-filter" data-saved-filter="([^"]+)"><a href="([^"]+)">', page)
    return {name: html.unescape(href) for name, href in found}


def test_a_saved_filter_is_picked_again_and_is_its_owners_only(app, login_as):
    case = Case(login_as)
    web, name = Web(app, "window_cg"), f"待受理{uuid.uuid4().int % 10**6}"
    current = {"process": "dibao", "step": "accept", "q": case.business_key, "order": "desc"}
    saved = web.post("/inbox/filters", {**current, "name": f"  {name} "})
    assert saved.status_code == 302 and saved.location.startswith("/inbox?")
    href = _saved(web.get("/inbox").text)[name]
    rows = web.inbox_rows(**dict(re.findall(r"[?&](\w+)=([^&]+)", href)))
    assert [r["business_key"] for r in rows] == [case.business_key]
    picked = web.client.get(href).text
    assert 'value="desc" selected' in picked and f'value="{case.business_key}"' in picked

    web.post("/inbox/filters", {"process": "dibao", "name": name})  # the same name again: replaced
    assert _saved(web.get("/inbox").text)[name] == "/inbox?process=dibao"
    assert name not in _saved(Web(app, "reviewer_cg").get("/inbox").text)
    assert Web(app, "reviewer_cg").post("/inbox/filters/delete", {"name": name}).status_code == 404
    assert web.post("/inbox/filters", {"process": "dibao", "name": name}, csrf=False).status_code == 403

    assert web.post("/inbox/filters/delete", {"name": name}).status_code == 302
    assert name not in _saved(web.get("/inbox").text)


def test_a_filter_without_a_name_or_past_the_limit_is_refused_in_words(app):
    web = Web(app, "investigator_cg")
    refused = web.client.get(web.post("/inbox/filters", {"process": "dibao", "name": " "}).location).text
    assert "请为筛选起一个名称" in refused and _saved(refused) == {}
    for n in range(20):
        web.post("/inbox/filters", {"process": "dibao", "name": f"筛选{n}"})
    page = web.client.get(web.post("/inbox/filters", {"name": "第二十一个"}).location).text
    assert "最多保存 20 个筛选" in page and len(_saved(page)) == 20
