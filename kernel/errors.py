"""Domain errors with stable codes.

Services raise these; the web edge (``oneset.problems``) turns each into an RFC 9457
problem-details response in one place. ``detail`` is user-facing Chinese text.
"""

from __future__ import annotations

from functools import cache
from typing import TYPE_CHECKING, Any, ClassVar

from search import errors as search
from storage import errors as storage

if TYPE_CHECKING:
    from collections.abc import Callable


class DomainError(Exception):
    """Base class: ``status`` is the HTTP status the edge will use."""

    status: ClassVar[int] = 400
    default_code: ClassVar[str] = "bad_request"
    title: ClassVar[str] = "请求无效"

    def __init__(
        self,
        detail: str,
        *,
        code: str | None = None,
        field: str | None = None,
        extra: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(detail)
        self.detail = detail
        self.code = code or self.default_code
        self.field = field
        self.extra = extra or {}


class Invalid(DomainError):
    """Input breaks a rule (422); ``field`` names the offending field when there is one."""

    status = 422
    default_code = "invalid"
    title = "输入不符合要求"


class NotAuthenticated(DomainError):
    status = 401
    default_code = "not_authenticated"
    title = "需要登录"


class Forbidden(DomainError):
    status = 403
    default_code = "forbidden"
    title = "无权操作"


class NotFound(DomainError):
    status = 404
    default_code = "not_found"
    title = "未找到"


class Conflict(DomainError):
    """The request is well-formed but the current state forbids it (409)."""

    status = 409
    default_code = "conflict"
    title = "状态冲突"


class TooLarge(DomainError):
    status = 413
    default_code = "too_large"
    title = "内容过大"


class UnsupportedMedia(DomainError):
    status = 415
    default_code = "unsupported_media_type"
    title = "不支持的文件类型"


class RateLimited(DomainError):
    status = 429
    default_code = "rate_limited"
    title = "请求过于频繁"

    def __init__(self, detail: str, *, retry_after: int, **kwargs: Any) -> None:
        super().__init__(detail, **kwargs)
        self.retry_after = retry_after


class Unavailable(DomainError):
    """A backend (database, blobs, search, broker) cannot be reached (503)."""

    status = 503
    default_code = "unavailable"
    title = "服务暂不可用"

    def __init__(self, detail: str, *, backend: str, **kwargs: Any) -> None:
        super().__init__(detail, **kwargs)
        self.backend = backend
        self.extra.setdefault("backend", backend)


_SHA256 = "sha256"
_ADAPTER_ERRORS: tuple[tuple[type[Exception], Callable[[Any], DomainError]], ...] = (
    (
        storage.StorageUnavailable,
        lambda e: Unavailable(str(e), backend="blobs", code="blobs_unavailable"),
    ),
    (
        storage.BlobNotFound,
        lambda e: NotFound("文件不存在", code="blob_not_found", extra={"key": e.key}),
    ),
    (
        storage.BlobTooLarge,
        lambda e: TooLarge(f"文件超过上限 {e.max_bytes} 字节", code="upload_too_large"),
    ),
    (
        storage.BlobRetained,
        lambda _: Conflict("归档文件处于保留期内，不能删除或覆盖", code="blob_retained"),
    ),
    (
        storage.PresignUnsupported,
        lambda _: Conflict("本地存储不支持预签名上传", code="presign_unsupported"),
    ),
    (
        storage.BadUploadKey,
        lambda _: Invalid("上传标识无效", field="uploadKey", code="bad_upload_key"),
    ),
    (
        storage.BadSha256,
        lambda _: Invalid("SHA-256 必须是 64 位小写十六进制", field=_SHA256, code="bad_sha256"),
    ),
    (
        storage.HashMismatch,
        lambda _: Invalid("上传内容的 SHA-256 与声明不一致", field=_SHA256, code="sha256_mismatch"),
    ),
    (
        search.SearchUnavailable,
        lambda e: Unavailable(str(e), backend="search", code="search_unavailable"),
    ),
    (search.InvalidQuery, lambda e: Invalid(str(e), field=e.field, code=e.code)),
)


def translate(exc: Exception) -> DomainError | None:
    """The domain error an adapter's exception means to a user (None: not an adapter error).

    ``storage`` and ``search`` are libraries with plain exceptions; the edge (problem details
    and the pages) reports them through this one table, with the same codes as domain errors.
    A lost database connection (PostgreSQL restarting, unreachable) is a 503 too, never a 500.
    """
    if isinstance(exc, DomainError):
        return exc
    for kind, make in _ADAPTER_ERRORS:
        if isinstance(exc, kind):
            return make(exc)
    if database_unavailable(exc):
        return Unavailable(
            "数据库暂时不可用，请稍后重试", backend="database", code="database_unavailable"
        )
    return None


@cache
def _connection_errors() -> tuple[type[BaseException], ...]:
    from asyncpg import exceptions as pg

    return (
        pg.PostgresConnectionError,  # class 08: the connection failed or was lost
        pg.CannotConnectNowError,  # 57P03: starting up or shutting down
        pg.AdminShutdownError,  # 57P01: terminated by a (fast) shutdown
        pg.CrashShutdownError,  # 57P02
        pg.TooManyConnectionsError,  # 53300
        ConnectionError,  # refused / reset while connecting
    )


def database_unavailable(exc: BaseException) -> bool:
    """``exc`` (or what it was raised from) says the database server cannot be reached now,
    as opposed to a query that failed: the request may be retried once the server is back."""
    from asyncpg import exceptions as pg

    seen: BaseException | None = exc
    for _ in range(5):  # a failed rollback after a lost connection chains the original error
        if seen is None:
            return False
        if isinstance(seen, _connection_errors()):
            return True
        if isinstance(seen, BaseExceptionGroup):  # raised out of a task group
            return any(database_unavailable(e) for e in seen.exceptions)
        if isinstance(seen, pg.InterfaceError) and "closed" in str(seen):
            return True  # "connection is closed", "pool is closed"
        if isinstance(seen, pg.InternalClientError) and "another operation" in str(seen):
            return True  # a pooled connection left mid-query when the server went away
        seen = seen.__cause__ or seen.__context__
    return False
