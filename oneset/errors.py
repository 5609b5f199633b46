"""Domain errors with stable codes.

Services raise these; the web edge (``oneset.problems``) turns each into an RFC 9457
problem-details response in one place. ``detail`` is user-facing Chinese text.
"""

from __future__ import annotations

from typing import Any, ClassVar


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
