"""The upload view's file handler: each file part goes straight into :class:`Intake` as the body
streams, so a file past the limit is dropped at ``limit + 1`` bytes and nothing of it is kept, and
Django never buffers a file in memory or in a temporary file of its own."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.files.uploadhandler import FileUploadHandler, SkipFile, StopUpload

from compliance.web.uploads import Intake, Refused, Upload

#: Files one form may carry.
MAX_FILES = 20


class IntakeHandler(FileUploadHandler):
    def __init__(self, folder: Path, limit: int, request: Any = None) -> None:
        super().__init__(request)
        self.folder = folder
        self.limit = limit
        self.taken: list[Upload | Refused] = []
        self._intake: Intake | None = None

    def handle_raw_input(self, input_data: Any, META: Any, content_length: int, boundary: Any,
                         encoding: str | None = None) -> None:
        if content_length > self.limit * MAX_FILES + 1024 * 1024:
            raise StopUpload(connection_reset=True)  # the body announces more than any form may carry

    def new_file(self, field_name: str, file_name: str, *args: Any, **kwargs: Any) -> None:
        super().new_file(field_name, file_name, *args, **kwargs)
        if len(self.taken) >= MAX_FILES:
            raise StopUpload(connection_reset=True)
        self._intake = Intake(file_name, self.folder, self.limit)
        if self._intake.refused is not None:
            self.taken.append(self._intake.refused)
            self._intake = None
            raise SkipFile()

    def receive_data_chunk(self, raw_data: bytes, start: int) -> None:
        assert self._intake is not None
        if not self._intake.write(raw_data):
            self.taken.append(self._intake.finish())
            self._intake = None
            raise SkipFile()

    def file_complete(self, file_size: int) -> None:
        if self._intake is not None:
            self.taken.append(self._intake.finish())
            self._intake = None

    def discard_unchecked(self) -> None:
        """Remove the accepted files nobody took further (each checked one was moved away)."""
        for taken in self.taken:
            if isinstance(taken, Upload):
                taken.path.unlink(missing_ok=True)

    def upload_interrupted(self) -> None:
        if self._intake is not None:
            self._intake.abort()
            self._intake = None
