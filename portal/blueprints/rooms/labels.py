"""Equipment names by code, for the directory's room form (which imports this).

Labels live on the enums now (``Equipment``, ``BookingStatus``, ``Recurrence``);
new code writes ``Equipment.choices()`` or ``label(member)``.
"""

from portal.models import Equipment

EQUIPMENT_LABELS = {member.value: member.label for member in Equipment}
