"""R-HEIR-1 (PP 44/2015 art. 37 and 40): who among a worker's heirs is entitled to the benefit.

Classes, highest first: (1) spouse or children; (2) parents, grandparents, grandchildren;
(3) siblings; (4) parents-in-law; (5) the person named in the worker's will. The highest
non-empty class is entitled; a claimant of a lower class is refused while a higher one exists.
With no heir at all only the funeral cost is paid, to whoever arranged the funeral.
"""

from django.utils.translation import gettext as _

from .models import Heir


def entitled_class(heirs) -> int | None:
    """The highest (lowest-numbered) class present among ``heirs``, or None without heirs."""
    return min((heir.priority_class for heir in heirs), default=None)


def entitled_heirs(heirs) -> list[Heir]:
    """The heirs of the highest non-empty class."""
    heirs = list(heirs)
    top = entitled_class(heirs)
    return [heir for heir in heirs if heir.priority_class == top]


def claimant_refusal(claimant: Heir, heirs) -> str | None:
    """Why ``claimant`` may not receive the benefit, or None when entitled."""
    heirs = list(heirs)
    if claimant.worker_id != (heirs[0].worker_id if heirs else claimant.worker_id):
        return _("Penerima bukan ahli waris pekerja ini.")
    top = entitled_class(heirs)
    if top is not None and claimant.priority_class > top:
        higher = ", ".join(
            f"{heir.full_name} ({heir.get_relationship_display()})" for heir in heirs if heir.priority_class == top
        )
        return _(
            "%(name)s (%(relationship)s) tidak berhak selama ada ahli waris golongan lebih tinggi: %(higher)s (R-HEIR-1)."
        ) % {"name": claimant.full_name, "relationship": claimant.get_relationship_display(), "higher": higher}
    return None
