"""The answer form's classes, built once per pinned questionnaire, kind and language."""

from __future__ import annotations

from ...lru import cached
from ...store import snapshots
from ..answer_form import build_form


@cached(64)
def form_class(snapshot: str, kind: str, lang: str) -> type:
    """Form classes are never changed once built: one per pinned questionnaire, round kind
    and language is enough (building one costs more than rendering half the page)."""
    return build_form(snapshots.questionnaire_of(snapshot), kind, lang)
