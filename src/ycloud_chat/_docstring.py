"""Read a tool function's docstring: its description, and what it says of each parameter.

Google style (`Args:`), NumPy style (`Parameters` over a dashed line) and Sphinx fields
(`:param name: ...`) are understood; anything else is all description.
"""

from __future__ import annotations

import inspect
import re

__all__ = ["Docstring", "parse_docstring"]

_GOOGLE_SECTIONS = re.compile(
    r"^(Args|Arguments|Parameters|Params|Keyword Args|Keyword Arguments|Returns?|Yields?|"
    r"Raises|Examples?|Notes?|Attributes|See Also|Warnings?):\s*$"
)
_GOOGLE_PARAM_SECTIONS = frozenset(
    {"Args", "Arguments", "Parameters", "Params", "Keyword Args", "Keyword Arguments"}
)
_GOOGLE_PARAM = re.compile(r"^\*{0,2}(\w+)\s*(?:\([^)]*\))?\s*:\s*(.*)$")
_NUMPY_HEADER = re.compile(r"^(\w[\w ]*)\n-{3,}\s*$", re.MULTILINE)
_NUMPY_PARAM = re.compile(r"^\*{0,2}(\w+)\s*(?::.*)?$")
_SPHINX_FIELD = re.compile(
    r"^:(?:param|parameter|arg|argument|key|keyword)\s+(?:[^:]*\s)?(\w+):\s*(.*)$"
)


class Docstring:
    """A docstring split into the description and the per-parameter texts."""

    __slots__ = ("description", "parameters")

    def __init__(self, description: str | None, parameters: dict[str, str]) -> None:
        self.description = description
        self.parameters = parameters


def parse_docstring(doc: str | None) -> Docstring:
    """Split a docstring (raw or cleaned) into its description and parameter texts."""
    if not doc or not doc.strip():
        return Docstring(None, {})
    text = inspect.cleandoc(doc)
    if any(_SPHINX_FIELD.match(line.strip()) for line in text.splitlines()):
        return _parse_sphinx(text)
    if _NUMPY_HEADER.search(text):
        return _parse_numpy(text)
    return _parse_google(text)


def _join(lines: list[str]) -> str | None:
    text = "\n".join(lines).strip()
    return text or None


def _one_paragraph(lines: list[str]) -> str:
    return " ".join(line.strip() for line in lines if line.strip())


def _parse_google(text: str) -> Docstring:
    description: list[str] = []
    parameters: dict[str, list[str]] = {}
    section: str | None = None
    current: str | None = None
    param_indent = 0
    for line in text.splitlines():
        header = _GOOGLE_SECTIONS.match(line)
        if header:
            section, current = header.group(1), None
            continue
        if section is None:
            description.append(line)
        elif section in _GOOGLE_PARAM_SECTIONS and line.strip():
            indent = len(line) - len(line.lstrip())
            match = _GOOGLE_PARAM.match(line.strip())
            if match and (current is None or indent <= param_indent):
                current, param_indent = match.group(1), indent
                parameters[current] = [match.group(2)]
            elif current is not None:
                parameters[current].append(line)
    return Docstring(
        _join(description), {name: _one_paragraph(lines) for name, lines in parameters.items()}
    )


def _parse_numpy(text: str) -> Docstring:
    lines = text.splitlines()
    description: list[str] = []
    parameters: dict[str, list[str]] = {}
    section: str | None = None
    current: str | None = None
    index = 0
    while index < len(lines):
        line = lines[index]
        underline = lines[index + 1] if index + 1 < len(lines) else ""
        if line.strip() and re.fullmatch(r"-{3,}\s*", underline):
            section, current = line.strip(), None
            index += 2
            continue
        if section is None:
            description.append(line)
        elif section in _GOOGLE_PARAM_SECTIONS and line.strip():
            match = _NUMPY_PARAM.match(line)
            if match and not line.startswith((" ", "\t")):
                current = match.group(1)
                parameters[current] = []
            elif current is not None:
                parameters[current].append(line)
        index += 1
    return Docstring(
        _join(description), {name: _one_paragraph(lines) for name, lines in parameters.items()}
    )


def _parse_sphinx(text: str) -> Docstring:
    description: list[str] = []
    parameters: dict[str, list[str]] = {}
    current: list[str] | None = None
    in_fields = False
    for line in text.splitlines():
        field = _SPHINX_FIELD.match(line.strip())
        if field:
            in_fields = True
            current = parameters[field.group(1)] = [field.group(2)]
        elif line.strip().startswith(":"):
            in_fields, current = True, None  # :returns:, :raises: and the like
        elif not in_fields:
            description.append(line)
        elif current is not None and line.startswith((" ", "\t")):
            current.append(line)
    return Docstring(
        _join(description), {name: _one_paragraph(lines) for name, lines in parameters.items()}
    )
