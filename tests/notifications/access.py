from sqlalchemy import select

from portal.blueprints.notifications.demo import DEMO_ROBOT
from portal.blueprints.notifications.models import WebhookTarget
from portal.db import db
from tests.access import LOGGED_IN, Access

ADMINS = ("logistics_admin", "sysadmin")


def _robot(suffix: str = "") -> str:
    target_id = db.session.scalar(select(WebhookTarget.id).where(WebhookTarget.name == DEMO_ROBOT))
    return f"/inbox/webhooks/{target_id}{suffix}"


ACCESS = {
    "notifications.inbox": Access("/inbox/", allowed=LOGGED_IN),
    "notifications.count": Access("/inbox/count", allowed=LOGGED_IN),
    # the fuzzer posts as the first role: logistics holds the demo's to-dos, so its inbox has the form
    "notifications.mark_read": Access("/inbox/read", post_only=True, form_page="/inbox/",
                                      post_roles=ADMINS + tuple(r for r in LOGGED_IN if r not in ADMINS)),
    "notifications.settings": Access("/inbox/settings", allowed=LOGGED_IN),
    "notifications.webhooks": Access("/inbox/webhooks/", allowed=ADMINS),
    "notifications.webhook_form": [Access("/inbox/webhooks/new", allowed=ADMINS), Access(_robot, allowed=ADMINS)],
    "notifications.test_webhook": Access(lambda: _robot("/test"), post_only=True, post_roles=ADMINS,
                                         form_page="/inbox/webhooks/"),
    "notifications.delete_webhook": Access(lambda: _robot("/delete"), post_only=True, post_roles=ADMINS,
                                           form_page="/inbox/webhooks/"),
}
