"""Blob-store errors, independent of the backend and of OneSet.

The store is a library: it raises these plain exceptions and the kernel
(``kernel.errors.translate``) turns them into the domain errors the edge reports.
"""

from __future__ import annotations


class StorageError(Exception):
    """Base class of every blob-store error."""


class StorageUnavailable(StorageError):
    """The backend cannot be reached or answered with a server error (message: Chinese)."""

    def __init__(self, message: str = "文件存储服务暂不可用，请稍后重试") -> None:
        super().__init__(message)


class BlobNotFound(StorageError):
    def __init__(self, key: str) -> None:
        super().__init__(f"no blob {key}")
        self.key = key


class BlobTooLarge(StorageError):
    def __init__(self, max_bytes: int) -> None:
        super().__init__(f"blob larger than {max_bytes} bytes")
        self.max_bytes = max_bytes


class BlobRetained(StorageError):
    """The blob is under retention (archive): it cannot be deleted or overwritten."""


class PresignUnsupported(StorageError):
    """This store cannot hand out presigned upload URLs."""


class BadUploadKey(StorageError):
    """A presigned upload key that this store never issued."""


class BadSha256(StorageError):
    """A content address that is not 64 lower-case hexadecimal digits."""


class HashMismatch(StorageError):
    """The uploaded bytes do not hash to the declared SHA-256 (nothing was stored)."""


class RecordExists(StorageError):
    """A named record is written once; this name is taken."""


class BadRecordName(StorageError):
    """Record names are lower-case letters, digits, ``-_.`` and ``/`` separators."""
