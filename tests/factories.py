"""Small questionnaires built in code, for tests that need a particular shape: decimal weights,
a band starting at an exact score, a sign not asked in some kind of round, many signs with
long names. Each goes through the real model (`Questionnaire.model_validate`), as a file would.
"""

from __future__ import annotations

from collections.abc import Sequence

from assessment.questionnaire import Questionnaire

DEFAULT_BANDS = (
    ("healthy", 75.0, "#2e7d32"),
    ("watch", 50.0, "#f9a825"),
    ("at-risk", 25.0, "#ef6c00"),
    ("critical", 0.0, "#c62828"),
)


def text(en: str, zh: str | None = None) -> dict:
    return {"en": en, "zh-CN": zh or f"{en}（中文）"}


def likert(item_id: str, weight: float = 1.0, *, direction: str = "healthy", kinds=None) -> dict:
    item = {
        "id": item_id,
        "type": "likert",
        "direction": direction,
        "weight": weight,
        "text": text(f"Statement {item_id}"),
    }
    if kinds is not None:
        item["applies_to"] = list(kinds)
    return item


def sign(
    sign_id: str,
    items: Sequence[dict],
    *,
    weight: float = 1.0,
    title: dict | None = None,
    bands: Sequence[tuple[str, float, str]] = DEFAULT_BANDS,
    recommend_from: int = 1,
) -> dict:
    advice = {"owner": "account", "text": text(f"Act on {sign_id}.")}
    return {
        "id": sign_id,
        "weight": weight,
        "title": title or text(f"Sign {sign_id}"),
        "description": text(f"About {sign_id}."),
        "items": list(items),
        "recommendations": {band_id: advice for band_id, _, _ in bands[recommend_from:]},
        "persisting": {"owner": "leadership", "text": text(f"Escalate {sign_id}.")},
    }


def questionnaire(
    signs: Sequence[dict],
    *,
    bands: Sequence[tuple[str, float, str]] = DEFAULT_BANDS,
    settings: dict | None = None,
    qid: str = "made",
) -> Questionnaire:
    """A questionnaire of these signs; bands are (id, min, colour), best first."""
    return Questionnaire.model_validate(
        {
            "id": qid,
            "version": 1,
            "title": text("Made in a test"),
            "description": text("A questionnaire built by tests/factories.py."),
            "scale": {
                "likert": [text(str(n)) for n in range(1, 6)],
                "na": text("N/A"),
            },
            "settings": {"min_respondents": 1, "min_coverage": 0.5, **(settings or {})},
            "bands": [
                {"id": b, "min": m, "colour": c, "label": text(b.title()), "verdict": text(b)}
                for b, m, c in bands
            ],
            "signs": list(signs),
        }
    )


def every_answer(q: Questionnaire, kind: str, n: int) -> dict:
    """Every scored item asked in rounds of ``kind`` answered, differently for each
    respondent ``n`` (likert, number and choice items; text items left out)."""
    answers = {}
    for item in q.items():
        if not item.applies(kind):
            continue
        if item.type == "likert":
            answers[item.id] = 1 + (n + len(answers)) % 5
        elif item.type == "number":
            answers[item.id] = int(item.min) + n
        elif item.type == "choice":
            answers[item.id] = item.options[n % len(item.options)].id
    return answers
