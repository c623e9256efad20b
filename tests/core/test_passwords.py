"""The password policy: short, common, repeated, sequential and personal passwords are
refused, each with its reason; ordinary long passphrases pass."""

import pytest

from assessment import passwords


@pytest.mark.parametrize(
    ("password", "reason"),
    [
        ("short1!", "short"),
        ("password", "common"),
        ("12345678", "common"),
        ("iloveyou2", "common"),
        ("Password123!", "common"),
        ("qwertyuiop", "common"),
        ("aaaaaaaaaaaa", "repeated"),
        ("abcabcabcabc", "repeated"),
        ("passwordpassword", "repeated"),
        ("汉字汉字汉字汉字", "repeated"),
        ("ZYXWVUTSRQ", "sequence"),
        ("asdfghjkl;'", "sequence"),
        ("abcdefghijklm", "sequence"),
        ("mary.smith@example.com", "personal"),
        ("Partnership2026", "personal"),
        ("jonathan1985", "guessable"),
        ("a" * 1000, "repeated"),  # long, but only its start is judged, and that is weak
    ],
)
def test_weak_passwords_are_refused_with_their_reason(password, reason):
    context = passwords.context_words("mary.smith@example.com", "Mary Smith")
    assert passwords.weakness(password, context) == reason


@pytest.mark.parametrize(
    "password",
    ["correct horse battery", "long enough", "a long password", "Tr0ub4dor&3", "巴黎铁塔晚上很美"],
)
def test_ordinary_strong_passwords_pass(password):
    assert passwords.weakness(password, passwords.context_words("x@example.com", "X")) is None


def test_every_reason_has_a_message():
    assert set(passwords.REASONS) == {
        "short",
        "personal",
        "common",
        "repeated",
        "sequence",
        "guessable",
    }


def test_context_words_are_the_parts_of_an_email_and_a_name():
    words = passwords.context_words("Mary.Smith+work@Example.com", "Mary Ann Smith", None)
    assert {"mary", "smith", "work", "example", "ann", "partnership"} <= set(words)
    assert "com" in words and "mary.smith+work@example.com" in words
