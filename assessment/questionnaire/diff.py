"""What changed between two versions of a questionnaire, and which signs' scores can no
longer be compared across them (the questionnaire library's diff, and trends).

A sign's score stays comparable when it is computed the same way: the same scored items
with the same scoring (type, direction, weight, breakpoints, option scores, range, the round
kinds they are asked in), and the same bands and answer scale. A change of wording only
(the text of an item, a hint, a label) keeps it comparable; it is listed as "reworded".
Part of the pure core.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from .model import Questionnaire, Sign

__all__ = ["SignChange", "VersionDiff", "diff", "incomparable_signs"]

#: Fields of an item (and of its options and unit) that are words, not scoring.
_WORDING = {"text", "help", "label", "unit", "required", "max_length"}


@dataclass(frozen=True)
class SignChange:
    """How one sign changed (a sign only in the newer version is all ``added``)."""

    sign_id: str
    status: str  # "added", "removed" or "changed"
    added: tuple[str, ...] = ()
    removed: tuple[str, ...] = ()
    reworded: tuple[str, ...] = ()
    rescored: tuple[str, ...] = ()
    weight: tuple[float, float] | None = None  # (before, after) of the sign's weight
    texts: bool = False  # the sign's title or description changed

    @property
    def scoring_changed(self) -> bool:
        return self.status != "changed" or bool(self.added or self.removed or self.rescored)


@dataclass(frozen=True)
class VersionDiff:
    """Everything that differs between ``before`` and ``after``."""

    before: Questionnaire
    after: Questionnaire
    signs: tuple[SignChange, ...]
    bands_changed: bool
    scale_changed: bool
    settings_changed: tuple[str, ...]
    texts_changed: bool  # the title or the description

    @property
    def empty(self) -> bool:
        return not (
            self.signs
            or self.bands_changed
            or self.scale_changed
            or self.settings_changed
            or self.texts_changed
        )

    @property
    def incomparable(self) -> tuple[str, ...]:
        """Ids of the signs (of the newer version) whose scores cannot be compared with
        the older version's: every sign when the bands or the scale changed."""
        shared = [s.id for s in self.after.signs if s.id in {b.id for b in self.before.signs}]
        if self.bands_changed or self.scale_changed:
            return tuple(shared)
        changed = {c.sign_id for c in self.signs if c.scoring_changed}
        return tuple(sign_id for sign_id in shared if sign_id in changed)


def _scoring(value: Any) -> Any:
    """A dumped item without its words."""
    if isinstance(value, dict):
        return {k: _scoring(v) for k, v in value.items() if k not in _WORDING}
    if isinstance(value, list):
        return [_scoring(v) for v in value]
    return value


def _sign_change(before: Sign, after: Sign) -> SignChange | None:
    old = {item.id: item.model_dump(mode="json", by_alias=True) for item in before.items}
    new = {item.id: item.model_dump(mode="json", by_alias=True) for item in after.items}
    added = tuple(i for i in new if i not in old)
    removed = tuple(i for i in old if i not in new)
    reworded, rescored = [], []
    for item_id in new:
        if item_id not in old or old[item_id] == new[item_id]:
            continue
        if _scoring(old[item_id]) != _scoring(new[item_id]):
            rescored.append(item_id)
        else:
            reworded.append(item_id)
    weight = (before.weight, after.weight) if before.weight != after.weight else None
    texts = (before.title, before.description) != (after.title, after.description)
    steps = (before.recommendations, before.persisting, before.gap) != (
        after.recommendations,
        after.persisting,
        after.gap,
    )
    if not (added or removed or reworded or rescored or weight or texts or steps):
        return None
    return SignChange(
        after.id,
        "changed",
        added,
        removed,
        tuple(reworded),
        tuple(rescored),
        weight,
        texts or steps,
    )


def diff(before: Questionnaire, after: Questionnaire) -> VersionDiff:
    """What changed from ``before`` to ``after`` (two versions of one questionnaire)."""
    old = {sign.id: sign for sign in before.signs}
    new = {sign.id: sign for sign in after.signs}
    signs: list[SignChange] = []
    for sign in after.signs:
        if sign.id not in old:
            signs.append(SignChange(sign.id, "added", added=tuple(i.id for i in sign.items)))
            continue
        change = _sign_change(old[sign.id], sign)
        if change is not None:
            signs.append(change)
    for sign in before.signs:
        if sign.id not in new:
            signs.append(SignChange(sign.id, "removed", removed=tuple(i.id for i in sign.items)))
    bands = [(b.id, b.exact_min) for b in before.bands] != [
        (b.id, b.exact_min) for b in after.bands
    ]
    scale = before.scale != after.scale
    settings = tuple(
        name
        for name in type(before.settings).model_fields
        if getattr(before.settings, name) != getattr(after.settings, name)
    )
    texts = (before.title, before.description) != (after.title, after.description)
    return VersionDiff(before, after, tuple(signs), bands, scale, settings, texts)


def incomparable_signs(before: Questionnaire, after: Questionnaire) -> tuple[str, ...]:
    """Ids of the signs whose scores under ``after`` cannot be compared with ``before``'s
    (empty when both are the same questionnaire: rounds pinned to one snapshot share one
    object, ``store.snapshots.questionnaire_of``, so the usual case costs nothing)."""
    if before is after or before == after:
        return ()
    return diff(before, after).incomparable
