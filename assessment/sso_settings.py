"""The settings of single sign-on with OpenID Connect (``web/sso.py``): defaults and checks.

Read with the rest of the configuration (``assessment.settings``). The client secret is
never written in the config file: it comes from the environment (``CLIENT_SECRET_ENV``).
Every problem found names its setting, so the app stops at start with a message saying
what to fix rather than failing at someone's first sign-in.
"""

from __future__ import annotations

import os
from urllib.parse import urlsplit

from .vocab import USER_ROLES

#: The environment variable holding the OpenID client's secret.
CLIENT_SECRET_ENV = "ASSESSMENT_OIDC_CLIENT_SECRET"

#: Hosts an issuer may be reached at over plain HTTP (a provider on this machine, tests).
_LOOPBACK = {"127.0.0.1", "localhost", "::1"}


def defaults() -> dict:
    return {
        # The provider's issuer URL; empty: no single sign-on (password login only).
        "OIDC_ISSUER": "",
        "OIDC_CLIENT_ID": "",
        "OIDC_CLIENT_SECRET": os.environ.get(CLIENT_SECRET_ENV, ""),
        "OIDC_SCOPES": "openid email profile",
        # The name on the login page's button: "Sign in with <name>".
        "OIDC_PROVIDER_NAME": "SSO",
        # Who may sign in, and the role of an account made at their first sign-in: by the
        # email's domain, and by the groups in the claim named OIDC_GROUPS_CLAIM (the
        # highest role wins). Nobody matching either is refused.
        "OIDC_DOMAIN_ROLES": {},
        "OIDC_GROUPS_CLAIM": "groups",
        "OIDC_GROUP_ROLES": {},
        # The claim that must be true for the email to count as verified (Entra ID does not
        # send email_verified: its optional claim xms_edov says the same).
        "OIDC_EMAIL_VERIFIED_CLAIM": "email_verified",
        # False: password login only for the emails in OIDC_BREAK_GLASS (admins).
        "OIDC_PASSWORD_LOGIN": True,
        "OIDC_BREAK_GLASS": [],
        # Seconds to wait for each answer of the provider (discovery, token, keys).
        "OIDC_TIMEOUT": 10,
    }


def enabled(config) -> bool:
    return bool(config.get("OIDC_ISSUER"))


def check(config, *, from_file: bool) -> list[str]:
    """What is wrong with these settings (each problem names its setting); ``from_file``:
    ``config`` is what the config file says, checked with the defaults and the environment
    it will run with."""
    problems = []
    if from_file and "OIDC_CLIENT_SECRET" in config:
        problems.append(
            "OIDC_CLIENT_SECRET must not be written in the config file: set the environment"
            f" variable {CLIENT_SECRET_ENV} instead"
        )
    if from_file:
        config = {**defaults(), **{k: v for k, v in config.items() if k != "OIDC_CLIENT_SECRET"}}
    for key in ("OIDC_ISSUER", "OIDC_CLIENT_ID", "OIDC_SCOPES", "OIDC_PROVIDER_NAME"):
        if key in config and not isinstance(config[key], str):
            problems.append(f"{key} must be a string")
    for key, example in (
        ("OIDC_GROUPS_CLAIM", "groups"),
        ("OIDC_EMAIL_VERIFIED_CLAIM", "email_verified"),
    ):
        if key in config and not (isinstance(config[key], str) and config[key].strip()):
            problems.append(f'{key} must be the name of a claim, such as "{example}"')
    for key in ("OIDC_PASSWORD_LOGIN",):
        if key in config and not isinstance(config[key], bool):
            problems.append(f"{key} must be true or false")
    timeout = config.get("OIDC_TIMEOUT", 10)
    if isinstance(timeout, bool) or not isinstance(timeout, int) or not 1 <= timeout <= 120:
        problems.append("OIDC_TIMEOUT must be a whole number from 1 to 120")
    for key, what in (("OIDC_DOMAIN_ROLES", "email domain"), ("OIDC_GROUP_ROLES", "group")):
        mapping = config.get(key, {})
        if not isinstance(mapping, dict) or not all(
            isinstance(name, str) and name.strip() and role in USER_ROLES
            for name, role in mapping.items()
        ):
            problems.append(
                f"{key} must map each {what} to a role ({', '.join(USER_ROLES)}),"
                + (' such as { "example.com" = "member" }' if what != "group" else "")
                + (' such as { "partnership-leads" = "lead" }' if what == "group" else "")
            )
    glass = config.get("OIDC_BREAK_GLASS", [])
    if not isinstance(glass, list) or not all(isinstance(e, str) and "@" in e for e in glass):
        problems.append(
            'OIDC_BREAK_GLASS must be a list of email addresses, such as ["admin@example.com"]'
        )
    if problems or not enabled(config):
        return problems
    issuer = urlsplit(config["OIDC_ISSUER"])
    secure = issuer.scheme == "https" or (issuer.scheme == "http" and issuer.hostname in _LOOPBACK)
    if not secure or not issuer.hostname or issuer.query or issuer.fragment:
        problems.append(
            "OIDC_ISSUER must be the provider's https:// address, such as"
            ' "https://accounts.google.com" (the discovery document is read from'
            " <OIDC_ISSUER>/.well-known/openid-configuration)"
        )
    if not config.get("OIDC_CLIENT_ID", "").strip():
        problems.append("OIDC_CLIENT_ID must be set when OIDC_ISSUER is (the provider gives it)")
    if not config.get("OIDC_CLIENT_SECRET"):
        problems.append(
            f"OIDC_ISSUER is set but the client secret is not: set the environment variable"
            f" {CLIENT_SECRET_ENV}"
        )
    if "openid" not in config.get("OIDC_SCOPES", "openid").split():
        problems.append('OIDC_SCOPES must include "openid", such as "openid email profile"')
    if not config.get("OIDC_DOMAIN_ROLES") and not config.get("OIDC_GROUP_ROLES"):
        problems.append(
            "OIDC_DOMAIN_ROLES or OIDC_GROUP_ROLES must say who may sign in (nobody can otherwise)"
        )
    if config.get("OIDC_PASSWORD_LOGIN") is False and not config.get("OIDC_BREAK_GLASS"):
        problems.append(
            "OIDC_PASSWORD_LOGIN is false: list at least one administrator's email in"
            " OIDC_BREAK_GLASS, who can still log in with a password when the provider is down"
        )
    return problems


def role_for(config, email: str, groups) -> str | None:
    """The role someone gets from the mapping (the highest that matches), or None."""
    matched = []
    domain = email.rsplit("@", 1)[-1].strip().lower()
    for name, role in (config.get("OIDC_DOMAIN_ROLES") or {}).items():
        if name.strip().lower() == domain:
            matched.append(role)
    if isinstance(groups, str):
        groups = [groups]
    if isinstance(groups, list):
        wanted = config.get("OIDC_GROUP_ROLES") or {}
        matched += [wanted[g] for g in groups if isinstance(g, str) and g in wanted]
    if not matched:
        return None
    return min(matched, key=USER_ROLES.index)  # USER_ROLES runs from admin to member


def password_login_allowed(config, email: str) -> bool:
    """Whether this email may log in with a password (``OIDC_PASSWORD_LOGIN``)."""
    if not enabled(config) or config.get("OIDC_PASSWORD_LOGIN", True):
        return True
    glass = {e.strip().lower() for e in config.get("OIDC_BREAK_GLASS") or []}
    return email.strip().lower() in glass
