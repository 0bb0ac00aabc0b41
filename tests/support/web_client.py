"""The web pages as one demo user sees them: a test client with its own session cookie and CSRF token."""

import re

from tests.conftest import PASSWORD

ROW = re.compile(r'<tr class="([^"]*)" data-task-id="([^"]+)" data-activity="([^"]+)" data-business-key="([^"]*)"')


class Web:
    def __init__(self, app, username: str | None = None):
        self.client = app.test_client()
        if username:
            response = self.post("/login", {"username": username, "password": PASSWORD})
            assert response.status_code == 302, response.text

    def token(self) -> str:
        page = self.client.get("/login").text
        return re.search(r'<meta name="csrf-token" content="([^"]+)"', page)[1]

    def get(self, path: str, **params):
        return self.client.get(path, query_string=params)

    def post(self, path: str, data: dict | None = None, csrf: bool = True):
        form = dict(data or {})
        if csrf:
            form["csrf_token"] = self.token()
        return self.client.post(path, data=form)

    def inbox_rows(self, **params) -> list[dict]:
        """The inbox rows: task id, step, business key and the due mark ('overdue', 'due-soon' or '')."""
        page = self.get("/inbox", **params).text
        return [{"mark": m[0], "id": m[1], "activity": m[2], "business_key": m[3]} for m in ROW.findall(page)]

    def inbox_row_html(self, task_id: str, **params) -> str:
        """One task's <tr> in the inbox, looked up page by page (tasks due the same moment have no fixed order)."""
        page = 1
        while True:
            text = self.get("/inbox", **params, size=100, page=page).text
            found = re.search(rf'<tr [^>]*data-task-id="{task_id}".*?</tr>', text, re.S)
            if found:
                return found[0]
            assert "下一页</a>" in text, f"task {task_id} is not in the inbox"
            page += 1


def field_value(page: str, name: str) -> str | None:
    """The value an <input name=...> shows, or a <textarea>'s text."""
    found = re.search(rf'<input[^>]*name="{name}"[^>]*value="([^"]*)"', page) or re.search(
        rf'<textarea[^>]*name="{name}"[^>]*>([^<]*)</textarea>', page)
    return found[1] if found else None


def field_error(page: str, name: str) -> str | None:
    found = re.search(rf'data-error-for="{name}">([^<]*)<', page)
    return found[1] if found else None
