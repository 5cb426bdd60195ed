"""The role × route matrix: what every role gets from every route.

Each capability lists its routes in ``tests/<name>/access.py`` as ``ACCESS``,
a mapping from endpoint to one ``Access`` (or a list, for endpoints with several
URL rules). ``tests/test_access_matrix.py`` walks the app's URL map: a route
without an entry fails, and so does any role that gets something else. Every
route that takes POST is also posted to as each role that may not use it: the
login page for visitors, 403 for the others, and nothing written.

Roles are the personas of the demo accounts (see ``ROLE_ACCOUNTS`` in
conftest): ``unit_admin`` and ``logistics_admin`` are also employees.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

ROLES = ("anonymous", "employee", "unit_admin", "security", "property", "logistics_admin", "sysadmin")
LOGGED_IN = ROLES[1:]
STAFF = ("employee", "unit_admin", "logistics_admin", "sysadmin")


@dataclass(frozen=True)
class Access:
    """``path`` is a URL, or a callable returning one (it runs with the demo data loaded).

    ``allowed``: roles that get 200; ``None`` means public (everyone, visitors
    included). Anonymous users are redirected to the login page (303); other
    roles get 403. ``expect`` overrides single roles (e.g. a redirect).
    ``post_only``: a GET gets 405 from everyone. ``post_roles``: who may POST
    here (default: ``allowed``; for a public form, everyone); the form fuzzer
    posts as the first of them. ``form_page``: for a POST-only route, the page
    that holds its form, where the fuzzer reads the form's fields.
    """

    path: str | Callable[[], str]
    allowed: tuple[str, ...] | None = None
    expect: dict[str, int] = field(default_factory=dict)
    post_only: bool = False
    post_roles: tuple[str, ...] = ()
    form_page: str | Callable[[], str] | None = None

    def url(self) -> str:
        return self.path() if callable(self.path) else self.path

    def form_url(self) -> str | None:
        return self.form_page() if callable(self.form_page) else self.form_page

    def poster(self) -> str:
        """The role the form fuzzer posts as."""
        if self.post_roles:
            return self.post_roles[0]
        if self.allowed:
            return self.allowed[0]
        return "anonymous"

    def expected(self, role: str) -> int:
        if role in self.expect:
            return self.expect[role]
        if self.post_only:
            return 405
        if self.allowed is None or role in self.allowed:
            return 200
        return 303 if role == "anonymous" else 403
