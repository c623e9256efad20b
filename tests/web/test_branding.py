"""The firm's name and logo (FIRM_NAME, FIRM_NAME_ZH, FIRM_LOGO: assessment/branding.py) on
what clients see: the settings' checks, the header, the client's page, the logo's route,
the client's mail (Reply-To, From, text and HTML in both languages) and both PDFs.

Who may see what: the logo is public (a client contact has no login; it is the firm's
own picture, nothing of any round); everything else here is a page, a mail or a PDF whose
own access rules are tested where it is made (tests/web/test_access_matrix.py lists
``/brand/logo`` for every kind of visitor).
"""

from __future__ import annotations

import io
import shutil
from datetime import date
from pathlib import Path

import pypdf
import pytest
from conftest import REPO_ROOT
from PIL import Image

from assessment import ConfigError, branding, create_app
from assessment.db import get_db
from assessment.jobs.mail import deliver_due
from assessment.mail import kinds
from assessment.store import outbox, respondents, responses, users

FIRM = {"FIRM_NAME": "Acme Consulting", "FIRM_NAME_ZH": "艾克米咨询", "FIRM_LOGO": "logo.png"}
GOOD_SVG = (
    '<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink"'
    ' xmlns:inkscape="http://www.inkscape.org/namespaces/inkscape" viewBox="0 0 120 40">'
    "<metadata><x>editor data</x></metadata><title>Acme</title>"
    '<defs><linearGradient id="g"><stop offset="0" stop-color="#0b5cad"/></linearGradient>'
    "<style>.a{fill:url(#g)}</style></defs>"
    '<rect class="a" inkscape:label="box" width="40" height="40" style="stroke:#000"/>'
    '<use xlink:href="#g"/><text x="50" y="28" font-size="20">Acme</text></svg>'
)


def png_bytes(width=240, height=80, colour=(11, 92, 173)) -> bytes:
    out = io.BytesIO()
    image = Image.new("RGB", (width, height), colour)
    image.paste((255, 255, 255), (0, 0, width // 3, height))  # not one flat colour
    image.save(out, format="PNG")
    return out.getvalue()


def write(folder: Path, name: str, data: bytes | str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_bytes(data.encode() if isinstance(data, str) else data)
    return path


def make_app(tmp_path, template_database, **config):
    database = tmp_path / "test.sqlite3"
    shutil.copyfile(template_database, database)
    return create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "test-only-secret",
            "DATABASE": str(database),
            "QUESTIONS_DIR": str(REPO_ROOT / "questions"),
            "JOBS_IMMEDIATE": True,
            "PUBLIC_URL": "https://check.example.com",
            **config,
        },
        instance_path=str(tmp_path / "instance"),
    )


@pytest.fixture
def app(tmp_path, template_database):
    """The app of this module: branded, with a PNG logo in its instance folder."""
    write(tmp_path / "instance", "logo.png", png_bytes())
    return make_app(tmp_path, template_database, **FIRM)


# --- the settings -------------------------------------------------------------------------


def load(tmp_path, name: str, data: bytes | str, **config) -> branding.Branding:
    write(tmp_path, name, data)
    return branding.load({"FIRM_NAME": "Acme", "FIRM_LOGO": name, **config}, str(tmp_path))


def refusal(tmp_path, name, data) -> str:
    with pytest.raises(branding.BrandingError) as caught:
        load(tmp_path, name, data)
    message = str(caught.value)
    assert name in message  # the message names the file
    return message


def test_without_the_settings_the_branding_is_empty():
    empty = branding.load({}, "/nonexistent")
    assert not empty and empty.logo is None and empty.name("zh-CN") == ""
    assert branding.of({}) == branding.Branding()


def test_names_in_each_language():
    both = branding.load({"FIRM_NAME": " Acme ", "FIRM_NAME_ZH": "艾克米"}, "/x")
    assert both.name("en") == "Acme" and both.name("zh-CN") == "艾克米"
    assert both.name("zh_Hans_CN") == "艾克米"  # Flask-Babel's locale, as mail uses it
    english_only = branding.load({"FIRM_NAME": "Acme"}, "/x")
    assert english_only.name("zh-CN") == "Acme"


@pytest.mark.parametrize(
    ("config", "words"),
    [
        ({"FIRM_NAME": 42}, "FIRM_NAME must be a text"),
        ({"FIRM_NAME": "Acme\nBcc: x@y"}, "FIRM_NAME must be one line"),
        ({"FIRM_NAME": "A" * 81}, "at most 80 characters"),
        ({"FIRM_NAME_ZH": "艾克米"}, "FIRM_NAME_ZH needs FIRM_NAME"),
        ({"FIRM_LOGO": "logo.png"}, "FIRM_LOGO needs FIRM_NAME"),
        ({"FIRM_NAME": "Acme", "FIRM_LOGO": ["logo.png"]}, "FIRM_LOGO must be a file name"),
    ],
)
def test_bad_names_are_refused_naming_the_setting(config, words):
    with pytest.raises(branding.BrandingError, match=words):
        branding.load(config, "/x")


def test_a_good_png_and_its_size(tmp_path):
    logo = load(tmp_path, "logo.png", png_bytes(300, 100)).logo
    assert logo.mimetype == "image/png" and (logo.width, logo.height) == (300, 100)
    assert logo.fit(55, 12) == (36.0, 12)  # as tall as allowed
    assert logo.fit(20, 12) == (20, 6.67)  # unless that is too wide
    assert logo.data_uri().startswith("data:image/png;base64,")


def test_a_good_svg_is_rebuilt_without_what_editors_add(tmp_path):
    logo = load(tmp_path, "logo.svg", GOOD_SVG).logo
    svg = logo.data.decode()
    assert logo.mimetype == "image/svg+xml" and (logo.width, logo.height) == (120, 40)
    assert 'width="120"' in svg and 'height="40"' in svg  # its size written out
    for kept in ("<rect", "url(#g)", 'href="#g"', "<text", "stroke:#000"):
        assert kept in svg, kept
    for dropped in ("metadata", "editor data", "inkscape"):
        assert dropped not in svg, dropped


def test_what_the_svg_file_says_outside_its_drawing_is_not_kept(tmp_path):
    """A style sheet linked by a processing instruction, and comments, are not part of
    the rebuilt logo: browsers and WeasyPrint only ever see what was rebuilt."""
    data = (
        '<?xml version="1.0"?><?xml-stylesheet href="https://evil.example/x.css"?>'
        '<!-- made by hand --><svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 64 32">'
        '<?xml-stylesheet href="https://evil.example/y.css"?><!-- inside -->'
        '<circle cx="16" cy="16" r="12"/></svg>'
    )
    svg = load(tmp_path, "logo.svg", data).logo.data.decode()
    assert "evil" not in svg and "made by hand" not in svg and "inside" not in svg
    assert svg.startswith("<svg") and "<circle" in svg


@pytest.mark.parametrize(
    ("name", "data", "words"),
    [
        ("logo.gif", b"GIF89a", "must be a PNG or an SVG"),
        ("logo.png", b"not a png at all", "not a PNG image"),
        ("logo.png", b"\x89PNG\r\n\x1a\n" + b"\0" * 40, "not a readable PNG"),
        ("logo.png", png_bytes(3000, 100), "too large (at most 2048 a side)"),
        ("logo.png", png_bytes(100, 8), "too small"),
        ("logo.png", b"\x89PNG\r\n\x1a\n" + b"\0" * (300 * 1024), "too large (at most 256 KB)"),
        ("logo.svg", "<svg xmlns='http://www.w3.org/2000/svg'", "not well-formed"),
        ("logo.svg", "<html xmlns='http://www.w3.org/1999/xhtml'/>", "not an SVG image"),
        (
            "logo.svg",
            '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 9 9"/>',
            "too small",
        ),
        ("logo.svg", '<svg xmlns="http://www.w3.org/2000/svg"/>', "needs a viewBox"),
        (
            "logo.svg",
            '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 99 99">'
            "<script>alert(1)</script></svg>",
            "<script> is not allowed",
        ),
        (
            "logo.svg",
            '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 99 99" onload="alert(1)"/>',
            "event handlers are not allowed",
        ),
        (
            "logo.svg",
            '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 99 99">'
            '<rect width="9" height="9" ONCLICK="x()"/></svg>',
            "event handlers are not allowed",
        ),
        (
            "logo.svg",
            '<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink"'
            ' viewBox="0 0 99 99"><use xlink:href="https://evil.example/x.svg#a"/></svg>',
            "only links to an #id",
        ),
        (
            "logo.svg",
            '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 99 99">'
            '<use href="data:image/svg+xml,&lt;svg/&gt;"/></svg>',
            "only links to an #id",
        ),
        (
            "logo.svg",
            '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 99 99">'
            '<image href="http://evil.example/x.png"/></svg>',
            "<image> is not allowed",
        ),
        (
            "logo.svg",
            '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 99 99">'
            '<foreignObject><div xmlns="http://www.w3.org/1999/xhtml">x</div>'
            "</foreignObject></svg>",
            "<foreignObject> is not allowed",
        ),
        (
            "logo.svg",
            '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 99 99">'
            '<rect width="9" height="9" fill="url(http://evil.example/p.svg#x)"/></svg>',
            "only url(#id) is allowed",
        ),
        (
            "logo.svg",
            '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 99 99">'
            '<rect width="9" height="9" style="fill:url(\'//evil.example/a\')"/></svg>',
            "only url(#id) is allowed",
        ),
        (
            "logo.svg",
            '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 99 99">'
            '<style>@import "https://evil.example/a.css";</style></svg>',
            "at-rules",
        ),
        (
            "logo.svg",
            '<!DOCTYPE svg [<!ENTITY x "boom">]>'
            '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 99 99"><text>&x;</text></svg>',
            "DOCTYPE",
        ),
        (
            "logo.svg",
            '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 99 99"><blink/></svg>',
            "<blink> is not one of the elements",
        ),
        (
            "logo.svg",
            '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 99 99" data-x="1"/>',
            "<svg data-x> is not one of the attributes",
        ),
    ],
)
def test_a_bad_logo_is_refused_naming_the_file_and_the_problem(tmp_path, name, data, words):
    assert words in refusal(tmp_path, name, data)


def test_a_logo_outside_the_instance_folder_is_refused(tmp_path):
    instance = tmp_path / "instance"
    write(tmp_path, "outside.png", png_bytes())
    (instance / "linked.png").parent.mkdir(parents=True, exist_ok=True)
    (instance / "linked.png").symlink_to(tmp_path / "outside.png")
    for name, words in (
        ("../outside.png", "inside the instance folder"),
        (str(tmp_path / "outside.png"), "inside the instance folder"),
        ("linked.png", "leads outside the instance folder"),
        ("missing.png", "no such file"),
    ):
        with pytest.raises(branding.BrandingError, match=words):
            branding.load({"FIRM_NAME": "Acme", "FIRM_LOGO": name}, str(instance))


def test_a_bad_logo_stops_the_app_at_start_naming_the_config_file(tmp_path, template_database):
    instance = tmp_path / "instance"
    write(instance, "logo.svg", '<svg xmlns="http://www.w3.org/2000/svg" onload="x()"/>')
    write(instance, "config.toml", 'FIRM_NAME = "Acme"\nFIRM_LOGO = "logo.svg"\n')
    with pytest.raises(ConfigError) as caught:
        create_app(instance_path=str(instance))
    message = str(caught.value)
    assert str(instance / "config.toml") in message and "'logo.svg'" in message
    assert "event handlers are not allowed" in message
    write(instance, "config.toml", 'FIRM_NAME = ["Acme"]\n')
    with pytest.raises(ConfigError, match=r"config\.toml: FIRM_NAME must be a text"):
        create_app(instance_path=str(instance))
    with pytest.raises(ConfigError, match=r"test configuration: FIRM_LOGO 'nope\.png': no such"):
        make_app(tmp_path, template_database, FIRM_NAME="Acme", FIRM_LOGO="nope.png")


# --- pages --------------------------------------------------------------------------------


def test_the_header_shows_the_firm_and_its_logo(app, client, auth):
    auth.login()  # a lead
    page = client.get("/").get_data(as_text=True)
    brand = page[page.index('class="navbar-brand') : page.index("</a>", page.index("navbar-brand"))]
    assert "Acme Consulting" in brand and "Partnership Check" in brand
    assert '<img src="/brand/logo?v=' in brand and 'alt=""' in brand
    assert page.count("<title>") == 1 and "· Partnership Check</title>" in page


def test_the_logo_is_served_as_an_image_that_can_run_nothing(app, client):
    first = client.get("/brand/logo?v=x")  # nobody logged in: public
    assert first.status_code == 200 and first.mimetype == "image/png"
    assert first.data == app.config["BRANDING"].logo.data
    assert first.headers["X-Content-Type-Options"] == "nosniff"
    assert "sandbox" in first.headers["Content-Security-Policy"]
    assert "default-src 'none'" in first.headers["Content-Security-Policy"]
    assert "public" in first.headers["Cache-Control"]
    again = client.get("/brand/logo", headers={"If-None-Match": first.headers["ETag"]})
    assert again.status_code == 304


def test_the_client_page_carries_the_firms_name_and_logo(app, client, make_round):
    _current, people = make_round(respondents=1, contacts=1)
    token = people[1].token
    page = client.get(f"/r/{token}").get_data(as_text=True)
    brand = page[page.index('class="navbar-brand') : page.index("</span>", page.index("firm-name"))]
    assert "Acme Consulting" in brand and "/brand/logo?v=" in brand
    assert "Partnership Check" not in page  # the client sees the firm, not the tool
    assert "· Acme Consulting</title>" in page
    chinese = client.get(f"/r/{token}", headers={"Accept-Language": "zh-CN"}).get_data(as_text=True)
    assert "艾克米咨询</span>" in chinese and "· 艾克米咨询</title>" in chinese
    # A team member's page names the product as before (and the firm in the bar).
    team = client.get(f"/r/{people[0].token}").get_data(as_text=True)
    assert "· Partnership Check</title>" in team and "Acme Consulting" in team


def test_without_the_settings_every_page_reads_as_before(tmp_path, template_database):
    plain = make_app(tmp_path, template_database)
    assert not plain.config["BRANDING"]
    client = plain.test_client()
    assert client.get("/brand/logo").status_code == 404
    page = client.get("/login").get_data(as_text=True)
    assert 'class="navbar-brand fw-semibold" href="/">Partnership Check</a>' in page
    assert "brand-logo" not in page and "firm-name" not in page


# --- mail ---------------------------------------------------------------------------------


@pytest.fixture
def mail(tmp_path, template_database, smtp):
    """A branded app sending to a real SMTP server; its client's lead is 李娜."""
    write(tmp_path / "instance", "logo.png", png_bytes())
    return make_app(tmp_path, template_database, **FIRM, **smtp.config())


def _client_round(app, *, lead: bool = True, contacts=(), team=()):
    from assessment.questionnaire import load_directory
    from assessment.store import clients, rounds

    with app.app_context():
        db = get_db()
        lead_id = None
        if lead:
            lead_id = users.find_by_email(db, "lead@example.com").id
            db.execute("UPDATE users SET name = '李娜' WHERE id = ?", [lead_id])
        found = clients.create_client(db, name="Apex Retail", lead_id=lead_id)
        catalog = load_directory(app.config["QUESTIONS_DIR"])
        current = rounds.create_round(
            db,
            client_id=found.id,
            kind="quarterly",
            period="2026-Q4",
            questionnaire=catalog["six-signs"],
            mirror=catalog["six-signs-client"],
            due_date="2026-12-15",
        )
        people = [
            respondents.add_respondent(
                db,
                current.id,
                name=name,
                email=email,
                language=lang,
                side="client",
                client_role="owner",
            )
            for name, email, lang in contacts
        ] + [
            respondents.add_respondent(db, current.id, name=name, email=email, language=lang)
            for name, email, lang in team
        ]
        kinds.queue_invitations(db, current, people, by="test")
        kinds.queue_reminders(db, current, people, by="test", day=date(2026, 12, 12))
        deliver_due(app, db)
    return current, people


def test_a_clients_mail_names_the_firm_and_the_lead_and_replies_go_to_the_lead(mail, smtp):
    _client_round(
        mail,
        contacts=[
            ("Kevin Moore", "kevin@example.com", "en"),
            ("黄涛", "huang@example.com", "zh-CN"),
        ],
    )
    kevin_invitation, kevin_reminder = smtp.recorder.to("kevin@example.com")
    huang_invitation, huang_reminder = smtp.recorder.to("huang@example.com")
    for received in (kevin_invitation, kevin_reminder, huang_invitation, huang_reminder):
        head = received.data.replace(b"\r\n", b"\n").split(b"\n\n")[0]
        head = head.decode("ascii")  # every header is ASCII: names encoded (RFC 2047)
        assert "Reply-To: =?utf-8?b?" in head
        message = received.message
        assert message["Reply-To"].addresses[0].display_name == "李娜"
        assert message["Reply-To"].addresses[0].addr_spec == "lead@example.com"
    assert kevin_invitation.message["From"].addresses[0].display_name == "Acme Consulting"
    assert huang_invitation.message["From"].addresses[0].display_name == "艾克米咨询"
    assert (
        kevin_invitation.subject
        == "Acme Consulting · 2026-Q4 · Quarterly review: how is our work together going?"
    )
    assert huang_invitation.subject == "艾克米咨询 · 2026-Q4 · 季度复盘：我们的合作进展如何？"
    assert kevin_reminder.subject.startswith(
        "Acme Consulting · 2026-Q4 · Quarterly review: a reminder"
    )
    assert huang_reminder.subject.startswith("艾克米咨询 · 2026-Q4 · 季度复盘：")
    for received in (kevin_invitation, kevin_reminder):
        for part in (received.text(), received.html()):
            assert "This message comes from 李娜, your account lead at Acme Consulting." in part
            assert "Questions? Reply to this message: your reply goes to 李娜." in part
            assert "Partnership Check" not in part  # the client sees the firm, not the tool
        assert "李娜<br>Acme Consulting" in received.html()
        assert received.text().replace("\r\n", "\n").rstrip().endswith("李娜\nAcme Consulting")
        assert ">Acme Consulting</p>" in received.html()  # the masthead
    for received in (huang_invitation, huang_reminder):
        for part in (received.text(), received.html()):
            assert "此邮件来自艾克米咨询的客户负责人李娜。" in part
            assert "如有疑问，直接回复此邮件即可联系李娜。" in part
            assert "Partnership Check" not in part and "Acme Consulting" not in part
        assert "李娜<br>艾克米咨询" in received.html()
    with mail.app_context():
        kept = [m for m in outbox.listing(get_db())[0] if m.to_address == "kevin@example.com"]
        assert {m.status for m in kept} == {"sent"}
        assert outbox.get(get_db(), kept[0].id).details["reply_to"] == "李娜 <lead@example.com>"
        assert outbox.get(get_db(), kept[0].id).details["from"].startswith("Acme Consulting <")


def test_the_outbox_shows_the_reply_to_address(mail, smtp, client, auth):
    _client_round(mail, contacts=[("Kevin Moore", "kevin@example.com", "en")])
    with mail.app_context():
        message_id = outbox.listing(get_db())[0][0].id
    auth.login("admin")
    page = client.get(f"/outbox/{message_id}").get_data(as_text=True)
    assert 'data-testid="reply-to">李娜 &lt;lead@example.com&gt;' in page
    assert "Acme Consulting &lt;" in page  # the From the client saw


def test_without_a_lead_there_is_no_reply_to_and_the_firm_signs(mail, smtp):
    _client_round(mail, lead=False, contacts=[("Kevin Moore", "kevin@example.com", None)])
    invitation, _reminder = smtp.recorder.to("kevin@example.com")
    assert invitation.message["Reply-To"] is None
    both = invitation.text()  # no language known: both, English first
    assert "This message comes from Acme Consulting." in both
    assert "此邮件来自艾克米咨询。" in both and "Reply to this message" not in both
    assert ">Acme Consulting / 艾克米咨询</p>" in invitation.html()


def test_a_team_invitation_carries_the_firms_name_and_no_reply_to(mail, smtp):
    _client_round(mail, team=[("Wang Fang", "wang@example.com", "en")])
    invitation, _reminder = smtp.recorder.to("wang@example.com")
    assert invitation.message["Reply-To"] is None
    assert "Partnership Check <" in invitation.message["From"]  # the usual sender
    assert ">Acme Consulting · Partnership Check</p>" in invitation.html()
    assert invitation.subject == "Apex Retail · 2026-Q4 · Quarterly review: your view, please"


def test_without_the_settings_a_clients_mail_reads_as_before(tmp_path, template_database, smtp):
    plain = make_app(tmp_path, template_database, **smtp.config())
    _client_round(plain, contacts=[("Kevin Moore", "kevin@example.com", "en")])
    invitation, _reminder = smtp.recorder.to("kevin@example.com")
    assert invitation.subject == "2026-Q4 · Quarterly review: how is our work together going?"
    assert invitation.message["From"].addresses[0].display_name == "Partnership Check"
    assert ">Partnership Check</p>" in invitation.html()
    # The account lead still signs, and replies still reach them.
    assert invitation.message["Reply-To"].addresses[0].addr_spec == "lead@example.com"
    assert "This message comes from 李娜, your account lead." in invitation.text()


# --- PDFs ---------------------------------------------------------------------------------


TEAM_PAYMENT = {
    "days-paid-late": 60,
    "invoice-handling": "paid-after-chasing",
    "invoicing-process-clear": 2,
    "work-while-overdue": 5,
}
CLIENT_PAYMENT = {"c-paid-within-terms": 5, "c-invoice-handling": "paid-on-receipt"}


def _shared_round(app, make_round):
    from assessment import results
    from assessment.store import rounds

    current, people = make_round(respondents=3, anonymous=False, contacts=3)
    with app.app_context():
        db = get_db()
        for person in people[:3]:
            responses.save_response(db, person.id, TEAM_PAYMENT, {}, submit=True)
        for person in people[3:]:
            responses.save_response(db, person.id, CLIENT_PAYMENT, {}, submit=True)
        results.close_round(db, current)
        rounds.set_client_summary_shared(db, current.id, True)
    return current


def _images(data: bytes) -> list[tuple[int, int]]:
    """The size of each image the PDF holds (each once, however many pages show it)."""
    import pikepdf

    with pikepdf.open(io.BytesIO(data)) as pdf:
        return [
            (int(o.Width), int(o.Height))
            for o in pdf.objects
            if isinstance(o, pikepdf.Stream) and o.get("/Subtype") == "/Image"
        ]


def _alts(data: bytes) -> list[str]:
    """The text alternatives in a tagged PDF's structure tree."""
    import pikepdf

    with pikepdf.open(io.BytesIO(data)) as pdf:
        return [
            str(o.Alt) for o in pdf.objects if isinstance(o, pikepdf.Dictionary) and "/Alt" in o
        ]


def _text(data: bytes) -> str:
    return "\n".join(p.extract_text() for p in pypdf.PdfReader(io.BytesIO(data)).pages)


def _pdfs(client, current):
    for url in (f"/rounds/{current.id}/client-summary.pdf", f"/rounds/{current.id}/report.pdf"):
        for lang in ("en", "zh-CN"):
            response = client.get(f"{url}?lang={lang}")
            assert response.status_code == 200, url
            yield url, lang, response.data


def test_both_pdfs_show_the_firms_name_and_embed_its_logo(app, make_round, client, auth):
    current = _shared_round(app, make_round)
    auth.login()
    for url, lang, data in _pdfs(client, current):
        text = _text(data)
        assert ("艾克米咨询" if lang == "zh-CN" else "Acme Consulting") in text, (url, lang)
        assert _images(data) == [(240, 80)], url  # the logo, once, and no other picture
        firm = "艾克米咨询" if lang == "zh-CN" else "Acme Consulting"
        alt = "艾克米咨询的标志" if lang == "zh-CN" else "Logo of Acme Consulting"
        assert alt in _alts(data) and firm in text  # tagged with its text alternative


def test_an_svg_logo_is_drawn_in_the_pdf(tmp_path, template_database):
    write(tmp_path / "instance", "logo.svg", GOOD_SVG)
    svg_app = make_app(tmp_path, template_database, FIRM_NAME="Acme", FIRM_LOGO="logo.svg")
    with svg_app.test_request_context():
        html = svg_app.jinja_env.from_string('{% include "report/_brand.html" %}').render(lang="en")
        assert 'src="https://report.invalid/branding/logo"' in html
        assert 'alt="Logo of Acme"' in html and "width: 30.0mm; height: 10mm" in html
        from assessment.report.pdf import html_to_pdf

        data = html_to_pdf(
            f"<html lang='en'><body>{html}</body></html>", logo=svg_app.config["BRANDING"].logo
        )
    assert "Acme" in _text(data) and "Logo of Acme" in _alts(data)


def test_without_the_settings_the_pdfs_read_as_before(tmp_path, template_database):
    plain = make_app(tmp_path, template_database)
    with plain.test_request_context():
        html = plain.jinja_env.from_string('{% include "report/_brand.html" %}').render(lang="en")
    assert html.strip() == ""


def test_the_report_cache_keeps_a_pdf_per_branding(app, make_round, client, auth):
    from assessment.report import cache

    current = _shared_round(app, make_round)
    auth.login()
    assert client.get(f"/rounds/{current.id}/report.pdf").status_code == 200
    with app.app_context():
        from assessment.report.data import round_report
        from assessment.store import rounds

        report = round_report(get_db(), rounds.get_round(get_db(), current.id))
        branded = cache.report_key(report, "en", firm=app.config["BRANDING"].digest)
        plain = cache.report_key(report, "en", firm=branding.Branding().digest)
    assert branded != plain


def test_a_client_contact_opening_their_page_reaches_the_logo(app, client, make_round):
    _current, people = make_round(respondents=0, contacts=1)
    page = client.get(f"/r/{people[0].token}").get_data(as_text=True)
    start = page.index('src="/brand/logo')
    src = page[start + 5 : page.index('"', start + 5)].replace("&amp;", "&")
    assert client.get(src).status_code == 200


def test_the_report_fetcher_serves_the_logo_from_memory_and_nothing_else(tmp_path):
    from assessment.report.fetcher import BRANDING_URL, ResourceRefused, StaticFilesFetcher

    logo = load(tmp_path, "logo.png", png_bytes()).logo
    fetcher = StaticFilesFetcher(logo=logo)
    response = fetcher.fetch(BRANDING_URL)
    assert response.read() == logo.data and response.headers["Content-Type"] == "image/png"
    for refused in (
        "https://report.invalid/branding/other",
        logo.data_uri(),  # data: stays refused: the logo comes by its one address only
        f"file://{tmp_path}/logo.png",
    ):
        with pytest.raises(ResourceRefused):
            fetcher.fetch(refused)
    with pytest.raises(ResourceRefused):  # the shared fetcher has no logo
        StaticFilesFetcher().fetch(BRANDING_URL)


def test_the_leadership_pack_opens_with_the_firms_name_and_logo(app, make_round):
    """A pack of one client: its portfolio page and the client's report both show the
    firm's name, and the logo is embedded."""
    from assessment.report import pack

    current = _shared_round(app, make_round)
    with app.app_context():
        reports = pack.period_reports(get_db(), current.period)
        data = pack.render_pack(reports, "zh-CN", period=current.period, jobs=1, app=app)
    pages = [p.extract_text() for p in pypdf.PdfReader(io.BytesIO(data)).pages]
    assert "艾克米咨询" in pages[0] and "艾克米咨询" in pages[1]
    assert (240, 80) in _images(data)
