"""Cursor pagination for every list endpoint (ninja's own, with bad cursors as 422)."""

from __future__ import annotations

from typing import Any

from ninja.pagination import CursorPagination


class Cursor(CursorPagination):
    """Newest first by internal key; the cursor token is opaque to clients."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("ordering", ("-id",))
        kwargs.setdefault("page_size", 20)
        kwargs.setdefault("max_page_size", 100)
        super().__init__(**kwargs)

    def paginate_queryset(self, queryset, pagination, request, **params):  # type: ignore[override]
        from o2o.core.errors import ValidationFailed

        cursor = self.Cursor.from_encoded_param(pagination.cursor)
        if cursor.p is not None and not cursor.p.lstrip("-").isdigit():
            raise ValidationFailed("The cursor is not valid", "invalid_cursor")
        return super().paginate_queryset(queryset, pagination, request, **params)
