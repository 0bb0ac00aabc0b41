"""Database failures that are no fault of the request: each is a 503 with Retry-After, never a 500.

A deadlock or a serialization failure rolled the whole transaction back, and a connection that
broke before COMMIT was sent committed nothing: the request may run once more (`retryable`).
A lock or statement timeout is not retried: it would wait as long again. A connection that broke
during COMMIT leaves the outcome unknown, so that request is not run again by the service; a
client that sent an Idempotency-Key may retry it safely.
"""

from sqlalchemy import exc

from app.domain.errors import Unavailable

_RETRYABLE = {"40001": "数据库的串行化检查拒绝了本次事务", "40P01": "数据库检测到死锁，本次事务已回滚"}
_BUSY = {"55P03": "等待数据库锁超时（DB_LOCK_TIMEOUT_MS）：其他操作正占用这些数据",
         "57014": "数据库语句超时（DB_STATEMENT_TIMEOUT_MS）"}
_LOST = "与数据库的连接中断"


def unavailable(err: BaseException, at_commit: bool = False) -> Unavailable | None:
    """Return the 503 a database failure stands for, or None when it is not a transient failure (a defect)."""
    if isinstance(err, exc.TimeoutError):  # no pooled connection came free in time
        return Unavailable("数据库连接已全部占用，请稍后重试", retry_after=2)
    if not isinstance(err, exc.DBAPIError):
        return None
    state = getattr(err.orig, "sqlstate", None) or ""
    if state in _RETRYABLE:
        return Unavailable(f"{_RETRYABLE[state]}，请重试", retryable=True)
    if state in _BUSY or state.startswith("53"):  # 53xxx: the server is out of connections, memory or disk
        return Unavailable(_BUSY.get(state, "数据库资源不足"), retry_after=2)
    if _sqlite_busy(err):
        return Unavailable("数据库正忙（另一事务正在写入），请重试", retryable=True)
    if err.connection_invalidated or isinstance(err, (exc.OperationalError, exc.InterfaceError)):
        if at_commit:
            return Unavailable(f"{_LOST}（提交时）：无法确认本次操作是否已保存；请带同一 Idempotency-Key 重试")
        return Unavailable(f"{_LOST}，本次操作未保存", retryable=True)
    return None


def _sqlite_busy(err: exc.DBAPIError) -> bool:
    return isinstance(err, exc.OperationalError) and "database is locked" in str(err.orig)
