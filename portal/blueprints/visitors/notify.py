"""What the visitor desk tells people: the event kinds (registered at import).

Messages carry times and units, never a visitor's name, ID number, phone or
plate (messages leave the building by e-mail and group robots); the host
opens the portal to see who.
"""

from __future__ import annotations


from portal import events
from portal.i18n import lazy_gettext as _l

ARRIVED = "visitors.arrived"
NO_SHOW = "visitors.no_show"
WATCH_MATCH = "visitors.watch_match"

events.register(
    events.EventKind(
        code=ARRIVED,
        label=_l("My visitors arrived at the desk"),
        subject=_l("Your visitor has arrived (%(time)s)"),
        body=_l("Checked in at the desk at %(time)s for %(unit)s."),
    ),
    events.EventKind(
        code=NO_SHOW,
        label=_l("My expected visitors who did not come"),
        subject=_l("Your visitor expected on %(date)s did not come"),
        body=_l("Nobody checked in by the end of the window (%(window)s)."),
    ),
    events.EventKind(
        code=WATCH_MATCH,
        label=_l("Watch-list matches at the visitor desk"),
        subject=_l("Watch-list match at the visitor desk (%(time)s)"),
        body=_l("Open the visit to see the match and what the guard decided."),
    ),
)
