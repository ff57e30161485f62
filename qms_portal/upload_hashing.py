"""An upload handler that keeps no file: it hashes the bytes as they arrive (SHA-256) and stops reading past a
limit, so a page that only needs to know a file's hash (the evidence pack verify page) never writes an upload to
disk or holds it in memory, whoever sends it."""
from __future__ import annotations

import hashlib
from typing import Any

from django.core.files.uploadedfile import UploadedFile
from django.core.files.uploadhandler import FileUploadHandler, StopUpload


class HashedUpload(UploadedFile):
    """What is left of an upload once hashed: its name, size, SHA-256, and whether it passed the limit."""

    def __init__(self, *, name: str, size: int, sha256: str, too_large: bool) -> None:
        super().__init__(file=None, name=name, size=size)
        self.sha256 = sha256
        self.too_large = too_large

    def chunks(self, chunk_size: int | None = None) -> Any:  # nothing is kept to read back
        return iter(())


class HashingUploadHandler(FileUploadHandler):
    """Hash each file of the request as it streams in; past ``limit`` bytes, stop and mark it too large."""

    def __init__(self, *, limit: int, request: Any = None) -> None:
        super().__init__(request)
        self.limit = limit

    def new_file(self, *args: Any, **kwargs: Any) -> None:
        super().new_file(*args, **kwargs)
        self.hasher = hashlib.sha256()
        self.size = 0
        self.too_large = False

    def receive_data_chunk(self, raw_data: bytes, start: int) -> None:
        self.size += len(raw_data)
        if self.size > self.limit:
            self.too_large = True
            raise StopUpload(connection_reset=False)
        self.hasher.update(raw_data)
        return None

    def file_complete(self, file_size: int) -> HashedUpload:
        return HashedUpload(name=self.file_name or "", size=self.size, sha256=self.hasher.hexdigest(),
                            too_large=self.too_large)

    def upload_interrupted(self) -> None:
        return None
