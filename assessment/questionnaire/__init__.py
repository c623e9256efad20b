"""The questionnaire as data: load TOML files into an immutable, validated model.

A package since issue 15; ``from assessment.questionnaire import X`` keeps working for
everything the module exported.
"""

from .model import *  # noqa: F403
from .model import __all__, _LineMap  # noqa: F401
