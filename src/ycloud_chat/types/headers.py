"""`Headers`: the HTTP headers of an answer, read-only and case-insensitive (no httpx here)."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping

__all__ = ["Headers"]


class Headers(Mapping[str, str]):
    """The headers of the server's answer: `headers["X-RateLimit-Remaining"]`.

    Names are case-insensitive and come back lower-cased; a header sent several times reads
    as its values joined by `", "`. Nothing can be changed: it is what the server sent.
    """

    __slots__ = ("_source",)

    def __init__(self, headers: Mapping[str, str] | Iterable[tuple[str, str]] = ()) -> None:
        if isinstance(headers, Headers):
            self._source: Mapping[str, str] = headers._source
        elif hasattr(headers, "multi_items") and isinstance(headers, Mapping):
            # An httpx.Headers, already case-insensitive and never changed after the answer
            # came: kept as it is, so that an answer pays nothing until its headers are read.
            self._source = headers
        else:
            pairs = headers.items() if isinstance(headers, Mapping) else headers
            merged: dict[str, str] = {}
            for name, value in pairs:
                key = name.lower()
                merged[key] = f"{merged[key]}, {value}" if key in merged else value
            self._source = merged

    def __getitem__(self, name: str) -> str:
        return self._source[name.lower()]

    def __contains__(self, name: object) -> bool:
        return isinstance(name, str) and name.lower() in self._source

    def __iter__(self) -> Iterator[str]:
        return (name.lower() for name in self._source)

    def __len__(self) -> int:
        return len(self._source.keys())  # httpx's own len() counts a repeated header twice

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Mapping):
            return NotImplemented
        return dict(self.items()) == {str(k).lower(): v for k, v in other.items()}

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return f"{type(self).__name__}({dict(self.items())!r})"

    def __reduce__(self) -> tuple[type[Headers], tuple[dict[str, str]]]:
        return (type(self), (dict(self.items()),))
