"""Deploy-time checks of DMN decision tables: every cell is a restricted expression or unary test."""


from lxml import etree

from app.domain.errors import DeploymentRefused

from .expressions import MAX_EXPRESSION_LENGTH, tree_problem
from .sandbox import parse_source

DMN_NAMESPACES = ("https://www.omg.org/spec/DMN/20191111/MODEL/", "http://www.omg.org/spec/DMN/20180521/MODEL/",
                  "http://www.omg.org/spec/DMN/20151101/dmn.xsd")
_CELLS = ("inputExpression", "inputEntry", "outputEntry")


def check_dmn(root, filename: str) -> None:
    """Refuse a file that is not DMN or whose cells use anything outside the allow-list."""
    if etree.QName(root).localname != "definitions" or etree.QName(root).namespace not in DMN_NAMESPACES:
        raise DeploymentRefused("不是 DMN 1.3 文件（根元素应为 dmn:definitions）", file=filename)
    for el in root.iter():
        if isinstance(el.tag, str) and etree.QName(el).localname in _CELLS:
            problem = cell_problem(el.findtext("{*}text") or "")
            if problem:
                owner = el.get("id") or el.getparent().get("id")
                raise DeploymentRefused(f"{etree.QName(el).localname}：{problem}", file=filename, element=owner)


def cell_problem(text: str) -> str | None:
    """Return why a cell is unacceptable: it must parse as an expression, or as `v <text>` (a unary test)."""
    text = text.strip().replace("?", "v")
    if text in ("", "-"):
        return None
    if len(text) > MAX_EXPRESSION_LENGTH:
        return f"单元格超过 {MAX_EXPRESSION_LENGTH} 字符上限"
    for candidate in (text, f"v {text}"):
        try:
            return tree_problem(parse_source(candidate, "eval"))
        except SyntaxError:
            continue
        except (ValueError, RecursionError, MemoryError) as err:
            return f"单元格无法解析：{type(err).__name__}"
    return "单元格语法错误"
