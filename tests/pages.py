"""Helpers for reading rendered pages in tests."""

import re

_TOKEN_INPUT = re.compile(r'<input[^>]*name="[a-z_]*token"[^>]*>')
_VALUE = re.compile(r'value="([^"]+)"')


def without_tokens(html: str) -> str:
    """The page less its CSRF and submission tokens: random text that may hold any short string by chance."""
    for tag in set(_TOKEN_INPUT.findall(html)):
        for token in _VALUE.findall(tag):
            html = html.replace(token, "")
    return html
