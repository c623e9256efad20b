"""The settings of single sign-on (assessment/sso_settings.py): what cannot work stops the
app at start with a message naming the setting. No provider is needed here (the flow
itself: tests/web/test_sso.py)."""

from pathlib import Path

import pytest

from assessment import ConfigError, create_app
from assessment.settings import load_config_file
from assessment.sso_settings import role_for


def _toml(tmp_path, text: str) -> Path:
    path = tmp_path / "config.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_a_client_secret_in_the_config_file_is_refused(tmp_path):
    path = _toml(tmp_path, 'OIDC_CLIENT_SECRET = "s3cret"\n')
    with pytest.raises(ConfigError, match=r"OIDC_CLIENT_SECRET must not be written.*ASSESSMENT_"):
        load_config_file(path)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('OIDC_ISSUER = "https://id.example.com"\n', "OIDC_CLIENT_ID must be set"),
        (
            'OIDC_ISSUER = "http://id.example.com"\nOIDC_CLIENT_ID = "x"\n',
            "OIDC_ISSUER must be the provider's https://",
        ),
        (
            'OIDC_ISSUER = "https://id.example.com"\nOIDC_CLIENT_ID = "x"\n',
            "ASSESSMENT_OIDC_CLIENT_SECRET",
        ),
        ('OIDC_DOMAIN_ROLES = { "example.com" = "boss" }\n', "OIDC_DOMAIN_ROLES must map"),
        ('OIDC_GROUP_ROLES = ["leads"]\n', "OIDC_GROUP_ROLES must map"),
        ('OIDC_PASSWORD_LOGIN = "no"\n', "OIDC_PASSWORD_LOGIN must be true or false"),
        ('OIDC_BREAK_GLASS = "admin"\n', "OIDC_BREAK_GLASS must be a list"),
    ],
)
def test_settings_that_cannot_work_stop_the_app_naming_the_setting(tmp_path, text, message):
    with pytest.raises(ConfigError, match=message):
        load_config_file(_toml(tmp_path, text))


def test_no_mapping_and_no_break_glass_admin_are_refused(tmp_path, template_database):
    config = {
        "TESTING": True,
        "SECRET_KEY": "x" * 32,
        "DATABASE": str(template_database),
        "OIDC_ISSUER": "https://id.example.com",
        "OIDC_CLIENT_ID": "x",
        "OIDC_CLIENT_SECRET": "y",
    }
    with pytest.raises(ConfigError, match="OIDC_DOMAIN_ROLES or OIDC_GROUP_ROLES"):
        create_app(config, instance_path=str(tmp_path))
    config |= {"OIDC_GROUP_ROLES": {"g": "member"}, "OIDC_PASSWORD_LOGIN": False}
    with pytest.raises(ConfigError, match="OIDC_BREAK_GLASS"):
        create_app(config, instance_path=str(tmp_path))


def test_the_highest_role_that_matches_wins_and_unverified_domains_do_not_count():
    config = {
        "OIDC_DOMAIN_ROLES": {"Example.com": "member"},
        "OIDC_GROUP_ROLES": {"leads": "lead", "admins": "admin"},
    }
    assert role_for(config, "a@EXAMPLE.com", None) == "member"
    assert role_for(config, "a@example.com", ["leads", "other"]) == "lead"
    assert role_for(config, "a@other.example", ["admins", "leads"]) == "admin"
    assert role_for(config, "a@other.example", "leads") == "lead"
    assert role_for(config, "", []) is None
    assert role_for(config, "a@other.example", [{"leads": 1}]) is None
