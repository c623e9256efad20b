"""Writing a message: its templates, in one language or both, and the links in it.

Templates live in ``templates/mail/``: ``<kind>.txt`` and ``<kind>.html`` each write the
message in the language Flask-Babel is forced to (autoescaped like every page, so names
and client names stay text); ``_layout.html`` wraps the HTML part. A recipient whose
language is unknown gets both languages in one message, the instance's default first.

Rendering needs the app (its Jinja environment and catalogs) but no request: links are
made from the ``PUBLIC_URL`` setting, as the worker has no request to take a host from.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from email.header import decode_header, make_header
from email.utils import formataddr, parseaddr
from urllib.parse import urlsplit

from flask import Flask
from flask_babel import force_locale
from markupsafe import Markup

from ..vocab import BABEL_LOCALES, LANGUAGES

#: Between the two languages of a bilingual message's text part.
LANGUAGE_DIVIDER = "\n\n" + "—" * 24 + "\n\n"


@dataclass(frozen=True)
class Attachment:
    """A file sent with a message (the outbox keeps the message, not the file)."""

    filename: str
    content: bytes = field(repr=False)
    mimetype: str = "application/octet-stream"


@dataclass(frozen=True)
class Rendered:
    """A message as written: what is sent, and the language(s) it is written in."""

    subject: str
    text: str
    html: str
    language: str | None  # None: both languages
    attachments: tuple[Attachment, ...] = ()
    #: The address replies go to (a client's account lead, ``address()``), if any.
    reply_to: str | None = None
    #: The display name of the From address (the firm's name on a client's mail), if not
    #: the one ``MAIL_DEFAULT_SENDER`` gives.
    from_name: str | None = None


@dataclass(frozen=True)
class Cancel:
    """The message is no longer needed; ``reason`` says why (kept with it)."""

    reason: str


def languages_for(language: str | None, config: Mapping) -> tuple[str, ...]:
    """The languages a message is written in: the recipient's, or both (the default
    language first) when theirs is unknown."""
    if language in LANGUAGES:
        return (language,)
    default = config.get("DEFAULT_LANGUAGE", "en")
    return tuple(sorted(LANGUAGES, key=lambda lang: lang != default))


def render(
    app: Flask,
    kind: str,
    language: str | None,
    subject: Callable[[], str],
    context: Mapping,
    *,
    masthead: Callable[[str], str] | None = None,
    reply_to: str | None = None,
    from_name: Callable[[str], str] | None = None,
) -> Rendered:
    """Write message ``kind`` from ``templates/mail/<kind>.txt`` and ``.html``.

    ``subject`` is called inside each language (it uses ``gettext``); ``context`` is what
    the templates need besides ``lang``. ``masthead(lang)``, the line above the message
    (the product's name unless given), and ``from_name(lang)`` are called inside each
    language too (a bilingual message joins the mastheads, and takes the first language's
    sender name); ``reply_to`` is a formatted address.
    """
    langs = languages_for(language, app.config)
    env = app.jinja_env
    subjects, texts, fragments, mastheads = [], [], [], []
    for lang in langs:
        with force_locale(BABEL_LOCALES[lang]):
            values = {**context, "lang": lang}
            subjects.append(one_line(subject()))
            if masthead is not None and (line := one_line(masthead(lang))) not in mastheads:
                mastheads.append(line)
            texts.append(env.get_template(f"mail/{kind}.txt").render(values).strip())
            # Written by an autoescaped template: safe to place in the layout as it is.
            fragment = Markup(env.get_template(f"mail/{kind}.html").render(values))
            fragments.append((lang, fragment))
    with force_locale(BABEL_LOCALES[langs[0]]):
        html = env.get_template("mail/_layout.html").render(
            parts=fragments, title=subjects[0], lang=langs[0], masthead=" / ".join(mastheads)
        )
        sender = one_line(from_name(langs[0])) if from_name is not None else ""
    return Rendered(
        subject=" / ".join(subjects),
        text=LANGUAGE_DIVIDER.join(texts) + "\n",
        html=html,
        language=langs[0] if len(langs) == 1 else None,
        reply_to=reply_to or None,
        from_name=sender or None,
    )


def one_line(text: str) -> str:
    """A text fit for a header: every run of whitespace (line breaks included) made one
    space. Names and client names are typed by people; a line break in a subject or a
    display name could otherwise start a header of its own."""
    return " ".join(str(text).split())


def address(name: str, email: str) -> str:
    """``"Name" <email>`` with the name quoted or encoded as the mail format needs
    (Chinese names become an RFC 2047 encoded word)."""
    return formataddr((one_line(name), email.strip()))


def sender(config: Mapping, rendered: Rendered) -> str:
    """The From address of ``rendered``: ``MAIL_DEFAULT_SENDER``, with the message's own
    display name when it has one (a client's mail comes from the firm's name)."""
    default = config["MAIL_DEFAULT_SENDER"]
    if not rendered.from_name:
        return default
    return address(rendered.from_name, parseaddr(default)[1])


def readable(formatted: str | None) -> str | None:
    """A formatted address as people read it (an encoded Chinese name decoded), for the
    copy kept in the outbox."""
    if not formatted:
        return None
    return str(make_header(decode_header(formatted)))


def public_url(app: Flask, endpoint: str, **values) -> str:
    """The full address of a page, from ``PUBLIC_URL`` (no request needed)."""
    parts = urlsplit(app.config["PUBLIC_URL"])
    adapter = app.url_map.bind(
        parts.netloc, script_name=parts.path.rstrip("/") or "/", url_scheme=parts.scheme
    )
    return adapter.build(endpoint, values, force_external=True)


def message_id(key: str, outbox_id: int, sender: str) -> str:
    """The same Message-ID for every try of one message: should a try that reached the
    server be made again (a worker killed before it could record the success), mail
    programs see the same message twice, not two messages."""
    domain = parseaddr(sender)[1].rpartition("@")[2] or "localhost"
    digest = hashlib.sha256(key.encode()).hexdigest()[:16]
    return f"<outbox-{outbox_id}-{digest}@{domain}>"
