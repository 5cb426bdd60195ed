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


def drawn_afresh(client, path: str, count_queries):
    """``path`` drawn as for another date or filter (no drawing or kept page left, the facts kept): its
    text and the statements it ran (``count_queries``'s counter)."""
    from portal.cache import forget_drawings

    forget_drawings()
    with count_queries() as counted:
        response = client.get(path)
    assert response.status_code == 200
    return response.get_data(as_text=True), counted
