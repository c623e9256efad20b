"""The questionnaire as data: load TOML files into an immutable, validated model.

A questionnaire file (format: `docs/questionnaire-format.md`) declares its signs, items, answer
scale, bands, settings and recommendations. Loading checks everything once, so that a data error
is found by `assessment questions check` or the test suite, never while someone fills in a form.

Every error is a `QuestionnaireError` naming the file and, for each problem, the path of
the field (`signs[2].items[3].direction`), its line and what is allowed.

The package, along its seams (each imports only those above it):

- `base`: ids, numbers as written (`exact`), texts in every language, the vocabularies;
- `errors`: `Problem` and `QuestionnaireError`;
- `items`: one class per item type; `model`: bands, settings, signs, the questionnaire;
- `lines`: line numbers of a TOML document; `messages`: pydantic errors reworded;
- `loading`: files, folders and snapshots into questionnaires;
- `workbook`: a questionnaire as an .xlsx workbook and back (openpyxl; imported as
  `assessment.questionnaire.workbook`); `diff`: what changed between two versions.

Everything else is importable from `assessment.questionnaire` itself. Part of the pure
core: standard library and pydantic (and openpyxl for workbooks) only.
"""

from .base import (
    ITEM_TYPES,
    LANGUAGES,
    LIKERT_POINTS,
    NA_OPTION,
    OWNER_ROLES,
    ROUND_KINDS,
    Text,
    exact,
)
from .errors import Problem, QuestionnaireError
from .items import (
    ITEM_CLASSES,
    Breakpoint,
    ChoiceItem,
    Item,
    LikertItem,
    NumberItem,
    Option,
    TextItem,
)
from .lines import _LineMap  # noqa: F401  (tests read line numbers directly)
from .loading import (
    LIMITS,
    DirectoryScan,
    duplicate_id_error,
    load_directory,
    load_questionnaire,
    mirror_problems,
    questionnaire_from_snapshot,
    questionnaire_json_schema,
    scan_directory,
    summarize,
)
from .model import DEFAULT_GAP_THRESHOLD, Band, Questionnaire, Recommendation, Scale, Settings, Sign

__all__ = [
    "DEFAULT_GAP_THRESHOLD",
    "ITEM_CLASSES",
    "ITEM_TYPES",
    "LANGUAGES",
    "LIKERT_POINTS",
    "LIMITS",
    "NA_OPTION",
    "OWNER_ROLES",
    "ROUND_KINDS",
    "Band",
    "Breakpoint",
    "ChoiceItem",
    "DirectoryScan",
    "Item",
    "LikertItem",
    "NumberItem",
    "Option",
    "Problem",
    "Questionnaire",
    "QuestionnaireError",
    "Recommendation",
    "Scale",
    "Settings",
    "Sign",
    "Text",
    "TextItem",
    "duplicate_id_error",
    "exact",
    "load_directory",
    "load_questionnaire",
    "mirror_problems",
    "questionnaire_from_snapshot",
    "questionnaire_json_schema",
    "scan_directory",
    "summarize",
]
