"""Notice templates: Jinja text a designer edits, checked at deploy, rendered without running code.

A template is `notices/<kind>.notice`: its first line is the document's title, the rest its body, in
Jinja syntax limited to what a document needs — `{{ name }}`, `{{ a.b }}`, `{% if … %}…{% elif … %}
…{% else %}…{% endif %}`, comparisons, `and`/`or`/`not`, `~`, `+`/`-`, the tests `defined`, `none`,
`number`, `string` and the filters `yuan`, `date`, `month`, `default`. Loops, macros, assignments,
calls and names starting with `_` are refused at deploy, naming the line; so rendering is a single
pass over the text, bounded by its size. A name the case does not have fails the command that issues
the notice (422 naming the template) rather than printing a blank: guard optional facts with
`{% if x is defined %}`.
"""

import functools
from datetime import datetime
from decimal import Decimal, InvalidOperation

from jinja2 import StrictUndefined, TemplateSyntaxError, meta, nodes
from jinja2.exceptions import TemplateError
from jinja2.sandbox import ImmutableSandboxedEnvironment

from app.domain.clock import local
from app.domain.errors import DeploymentRefused, EngineFailure
from app.domain.notices import kind_problem, rights_missing

MAX_TEMPLATE_CHARS = 20_000
TEMPLATE_SUFFIX = ".notice"


def _yuan(value) -> str:
    """An amount of money as a notice prints it: two decimals."""
    try:
        return f"{Decimal(str(value)).quantize(Decimal('0.01'))}"
    except (InvalidOperation, ValueError) as err:
        raise ValueError(f"金额 {value!r} 不是数") from err


def _date(value) -> str:
    """An ISO moment (as case data stores it) as a Chinese date in China Standard Time."""
    moment = local(datetime.fromisoformat(str(value)))
    return f"{moment.year}年{moment.month}月{moment.day}日"


def _month(value) -> str:
    """A month (`2026-04`, or an ISO moment) as `2026年4月`."""
    text = str(value)
    if len(text) == 7:
        year, month = text.split("-")
        return f"{int(year)}年{int(month)}月"
    moment = local(datetime.fromisoformat(text))
    return f"{moment.year}年{moment.month}月"


FILTERS = {"yuan": _yuan, "date": _date, "month": _month}
ALLOWED_FILTERS = frozenset(FILTERS) | {"default"}
ALLOWED_TESTS = frozenset({"defined", "undefined", "none", "number", "string"})
_ALLOWED_NODES = (nodes.Template, nodes.Output, nodes.TemplateData, nodes.Name, nodes.Const, nodes.If,
                  nodes.Compare, nodes.Operand, nodes.And, nodes.Or, nodes.Not, nodes.CondExpr, nodes.Concat,
                  nodes.Add, nodes.Sub, nodes.Neg, nodes.Getattr, nodes.Getitem, nodes.Filter, nodes.Test,
                  nodes.Tuple, nodes.List)


def _environment() -> ImmutableSandboxedEnvironment:
    env = ImmutableSandboxedEnvironment(undefined=StrictUndefined, autoescape=False, trim_blocks=True,
                                        lstrip_blocks=True, keep_trailing_newline=False)
    env.filters = {name: env.filters[name] for name in ("default",)} | FILTERS
    env.tests = {name: env.tests[name] for name in ALLOWED_TESTS}
    env.globals = {}
    return env


_ENV = _environment()


def kind_of(filename: str) -> str:
    """The notice kind a template file is for: its name without `.notice`."""
    return filename.rsplit("/", 1)[-1].removesuffix(TEMPLATE_SUFFIX)


def check_template(filename: str, content: bytes) -> str:
    """Return the template's text, or refuse it naming the file and line."""
    kind = kind_of(filename)
    problem = kind_problem(kind)
    if problem:
        raise DeploymentRefused(f"告知书模板的文件名须为 <种类>.notice：{problem}", file=filename)
    try:
        text = content.decode("utf-8")
    except UnicodeDecodeError as err:
        raise DeploymentRefused("告知书模板须为 UTF-8 文本", file=filename) from err
    if len(text) > MAX_TEMPLATE_CHARS:
        raise DeploymentRefused(f"告知书模板超过 {MAX_TEMPLATE_CHARS} 字", file=filename)
    if not text.strip() or not text.splitlines()[0].strip():
        raise DeploymentRefused("告知书模板的第一行须为文书标题", file=filename)
    try:
        tree = _ENV.parse(text)
    except TemplateSyntaxError as err:
        raise DeploymentRefused(f"模板语法错误（第{err.lineno}行）：{err.message}", file=filename) from err
    _check_nodes(tree, filename)
    missing = rights_missing(kind, meta.find_undeclared_variables(tree))
    if missing:
        raise DeploymentRefused("不利决定的告知书须写明申请行政复议的机关和期限、提起行政诉讼的法院和期限："
                                f"模板未使用 {', '.join(missing)}（行政复议法第二十条）", file=filename)
    return text


def _check_nodes(tree: nodes.Template, filename: str) -> None:
    for node in tree.find_all(nodes.Node):
        problem = _node_problem(node)
        if problem:
            raise DeploymentRefused(f"模板第{node.lineno}行：{problem}", file=filename)


def _node_problem(node: nodes.Node) -> str | None:
    if not isinstance(node, _ALLOWED_NODES):
        return f"不支持的模板语法 {type(node).__name__}（只可输出变量、if 条件与过滤器）"
    if isinstance(node, nodes.Name) and (node.ctx != "load" or node.name.startswith("_")):
        return f"不允许的变量名 {node.name}"
    if isinstance(node, nodes.Getattr) and node.attr.startswith("_"):
        return f"不允许的属性 {node.attr}"
    if isinstance(node, nodes.Filter) and node.name not in ALLOWED_FILTERS:
        return f"未知的过滤器 {node.name}（可用：{', '.join(sorted(ALLOWED_FILTERS))}）"
    if isinstance(node, nodes.Test) and node.name not in ALLOWED_TESTS:
        return f"未知的判断 {node.name}（可用：{', '.join(sorted(ALLOWED_TESTS))}）"
    if isinstance(node, (nodes.Filter, nodes.Test)) and (node.dyn_args or node.dyn_kwargs):
        return "过滤器不接受 * 或 ** 参数"
    return None


@functools.lru_cache(maxsize=256)
def _compiled(text: str):
    return _ENV.from_string(text)


def render(template_id: str, text: str, context: dict) -> str:
    """Render a checked template; a fact it needs and the case lacks is an EngineFailure naming the template."""
    try:
        rendered = _compiled(text).render(context)
    except (TemplateError, ValueError, TypeError, ArithmeticError) as err:
        raise EngineFailure(f"告知书模板 {template_id} 无法生成：{err}", element=template_id) from err
    lines = [line.rstrip() for line in rendered.strip().splitlines()]
    return "\n".join(lines) + "\n"
