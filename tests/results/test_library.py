"""The questionnaire library (assessment/library.py, web/library.py): versions and the
rounds using each, preview, downloads, upload with every problem shown, the diff with the
version before, publishing for new rounds while made rounds stay pinned.

Who may see it: admins (everything) and leads (read: list, version, preview, downloads);
members get 403; nobody, a respondent's link, a client contact's link and a share link get
the login page (302): tests/web/test_access_matrix.py lists every route for every visitor.
Nothing of it shows answers: an anonymous round appears only by client, period and kind.
"""

from __future__ import annotations

import io
import re
import tomllib
from pathlib import Path

import openpyxl
import pytest
from conftest import csrf_token

from assessment import library
from assessment.db import get_db
from assessment.questionnaire import load_questionnaire
from assessment.questionnaire.diff import diff
from assessment.questionnaire.workbook import workbook_bytes
from assessment.store.snapshots import snapshot_digest

ROOT = Path(__file__).resolve().parent.parent.parent
SIX = ROOT / "questions" / "six-signs.toml"
PULSE = ROOT / "questions" / "pulse.toml"


def _digest(path: Path) -> str:
    return snapshot_digest(load_questionnaire(path))[1]


def _pulse_v2(**changes) -> bytes:
    """pulse.toml as version 2, with item weights, wording or items changed."""
    text = PULSE.read_text(encoding="utf-8").replace("version = 1", "version = 2", 1)
    for old, new in changes.items():
        text = text.replace(old.replace("_", " "), new, 1)
    return text.encode("utf-8")


def _upload(client, data: bytes, name: str):
    token = csrf_token(client, "/questionnaires/")
    return client.post(
        "/questionnaires/upload",
        data={"csrf_token": token, "file": (io.BytesIO(data), name)},
        content_type="multipart/form-data",
    )


def test_the_list_shows_every_questionnaire_version_and_its_rounds(client, auth, make_round):
    made, _ = make_round(questionnaire="six-signs")
    auth.login("lead")
    page = client.get("/questionnaires/").get_data(as_text=True)
    for questionnaire_id in ("six-signs", "six-signs-client", "pulse"):
        assert f'data-testid="versions-{questionnaire_id}"' in page
    assert "Used for new rounds" in page and "Upload a new version" not in page  # leads read
    version = client.get(f"/questionnaires/six-signs/{_digest(SIX)}").get_data(as_text=True)
    assert "Acme, 2026-Q4" in version and f"/rounds/{made.id}" in version
    assert "This is the first version." in version


def test_preview_shows_the_form_read_only_in_both_languages(client, auth):
    auth.login("lead")
    url = f"/questionnaires/six-signs/{_digest(SIX)}/preview"
    english = client.get(url + "?lang=en").get_data(as_text=True)
    assert "<fieldset disabled>" in english and 'lang="en" data-testid="preview"' in english
    assert "The client stayed courteous with us" in english and "Strongly agree" in english
    chinese = client.get(url + "?lang=zh-CN").get_data(as_text=True)
    assert "即使双方意见不合" in chinese and "非常同意" in chinese
    assert client.get(url + "?lang=fr").status_code == 404
    mirror = load_questionnaire(ROOT / "questions" / "six-signs-client.toml")
    page = client.get(
        f"/questionnaires/six-signs-client/{snapshot_digest(mirror)[1]}/preview?lang=en"
    ).get_data(as_text=True)
    assert "Preview of the client's form" in page


def test_downloads_give_the_file_and_a_workbook(client, auth):
    auth.login("lead")
    base = f"/questionnaires/six-signs/{_digest(SIX)}"
    toml = client.get(base + ".toml")
    assert toml.status_code == 200 and toml.data == SIX.read_bytes()
    assert "six-signs_v1_" in toml.headers["Content-Disposition"]
    xlsx = client.get(base + ".xlsx")
    assert xlsx.data[:4] == b"PK\x03\x04"
    assert openpyxl.load_workbook(io.BytesIO(xlsx.data)).sheetnames[:2] == ["settings", "scale"]
    assert client.get(base + ".csv").status_code == 404
    assert client.get("/questionnaires/six-signs/" + "0" * 64).status_code == 404


def test_a_bad_upload_shows_every_problem_and_stores_nothing(app, client, auth):
    auth.login("admin")
    book = openpyxl.load_workbook(io.BytesIO(workbook_bytes(load_questionnaire(PULSE))))
    book["items"]["E3"] = "high"
    book["items"]["F2"] = "perhaps"
    out = io.BytesIO()
    book.save(out)
    response = _upload(client, out.getvalue(), "pulse.xlsx")
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "pulse.xlsx was not uploaded" in page
    assert "items!E3: must be a number, found &#39;high&#39;" in page
    assert "items!F2: must be TRUE or FALSE, found &#39;perhaps&#39;" in page
    instance = Path(app.instance_path) / "questionnaires"
    assert not instance.exists() or not any(instance.glob("*.toml"))
    with app.app_context():
        assert get_db()["questionnaire_versions"].count == 0
    # in Chinese, the same problems
    client.post("/language", data={"language": "zh-CN", "csrf_token": csrf_token(client, "/")})
    page = _upload(client, out.getvalue(), "pulse.xlsx").get_data(as_text=True)
    assert "items!E3：必须是数字，实际为 &#39;high&#39;" in page
    # a TOML file with a mistake: the line and the field
    bad = _pulse_v2(**{'direction = "healthy"': 'direction = "good"'})
    page = _upload(client, bad, "pulse.toml").get_data(as_text=True)
    assert re.search(r"第 \d+ 行：signs\[\d\]\.items\[\d\]\.direction：&#39;good&#39;", page)


def test_an_upload_needs_a_new_version_number(app, client, auth):
    auth.login("admin")
    page = _upload(client, PULSE.read_bytes(), "pulse.toml").get_data(as_text=True)
    assert "version 1 of pulse exists already" in page


def test_upload_diff_and_publish(app, client, auth, make_round):
    made, _ = make_round(questionnaire="pulse", period="2026-10")
    auth.login("admin")
    text = PULSE.read_text(encoding="utf-8")
    first_item = re.search(r'\[\[signs\.items\]\]\nid = "([^"]+)"', text).group(1)
    # version 2: the first item weighs 2, and another's wording changes
    v2 = text.replace("version = 1", "version = 2", 1).replace(
        f'id = "{first_item}"\n', f'id = "{first_item}"\nweight = 2\n', 1
    )
    response = _upload(client, v2.encode(), "pulse-v2.toml")
    assert response.status_code == 302, response.get_data(as_text=True)
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Draft: not published" in page and "Publish for new rounds" in page
    assert f"Scored differently (weight, direction, scale or options): {first_item}" in page
    assert "Scores of this sign are not comparable with earlier rounds." in page
    kept = list((Path(app.instance_path) / "questionnaires").glob("pulse-v2-*.toml"))
    assert len(kept) == 1 and tomllib.loads(kept[0].read_text("utf-8"))["version"] == 2
    # publish: new rounds use version 2, the round already made keeps version 1
    digest = snapshot_digest(load_questionnaire(kept[0]))[1]
    with app.app_context():
        upload_id = get_db().execute("SELECT id FROM questionnaire_versions").fetchone()[0]
    token = csrf_token(client, f"/questionnaires/pulse/{digest}")
    published = client.post(
        f"/questionnaires/uploads/{upload_id}/publish", data={"csrf_token": token}
    )
    assert published.status_code == 302
    page = client.get(f"/questionnaires/pulse/{digest}").get_data(as_text=True)
    assert "Used for new rounds" in page and "Publish for new rounds" not in page
    with app.app_context():
        db = get_db()
        offered = library.available(db, app.config["QUESTIONS_DIR"], app.instance_path)
        assert offered.questionnaires["pulse"].version == 2
        row = db.execute("SELECT questionnaire_version FROM rounds WHERE id = ?", [made.id])
        assert row.fetchone()[0] == 1
        actions = [r[0] for r in db.execute("SELECT action FROM audit_log ORDER BY id")]
    assert "questionnaire.uploaded" in actions and "questionnaire.published" in actions
    new_round = client.get(f"/clients/{made.client_id}/rounds/new").get_data(as_text=True)
    assert "(v2)" in new_round


def test_leads_and_members_cannot_upload_or_publish(client, auth):
    auth.login("lead")
    assert _upload(client, PULSE.read_bytes(), "pulse.toml").status_code == 403
    auth.logout()
    auth.login("member")
    assert client.get("/questionnaires/").status_code == 403


def test_the_diff_tells_rewording_from_rescoring():
    six = load_questionnaire(SIX)
    sign = six.signs[0]
    reworded = sign.items[0].model_copy(
        update={"text": sign.items[0].text.model_copy(update={"en": "Other words."})}
    )
    reweighted = sign.items[1].model_copy(update={"weight": 3.0})
    changed = six.model_copy(
        update={
            "version": 2,
            "signs": (
                sign.model_copy(update={"items": (reworded, reweighted, *sign.items[2:])}),
                *six.signs[1:],
            ),
        }
    )
    found = diff(six, changed)
    (change,) = found.signs
    assert change.reworded == (sign.items[0].id,) and change.rescored == (sign.items[1].id,)
    assert found.incomparable == (sign.id,)
    only_words = six.model_copy(
        update={
            "signs": (
                sign.model_copy(update={"items": (reworded, *sign.items[1:])}),
                *six.signs[1:],
            )
        }
    )
    assert diff(six, only_words).incomparable == ()
    assert diff(six, six).empty


@pytest.mark.parametrize("role", ["lead", "admin"])
def test_the_navigation_links_to_the_library(client, auth, role):
    auth.login(role)
    assert 'href="/questionnaires/"' in client.get("/").get_data(as_text=True)


def _publish(client, digest: str, upload_id: int, questionnaire_id: str):
    token = csrf_token(client, f"/questionnaires/{questionnaire_id}/{digest}")
    return client.post(f"/questionnaires/uploads/{upload_id}/publish", data={"csrf_token": token})


def test_a_team_questionnaire_and_its_mirror_are_published_together(app, client, auth):
    """New bands in the team's file alone would leave it without a matching mirror:
    refused. Once the mirror's new version is uploaded too, publishing one publishes both."""
    auth.login("admin")
    team = SIX.read_text("utf-8").replace("version = 1", "version = 2", 1)
    team = team.replace("min = 75", "min = 80", 1)
    mirror_path = ROOT / "questions" / "six-signs-client.toml"
    mirror = mirror_path.read_text("utf-8").replace("version = 1", "version = 2", 1)
    mirror = mirror.replace("min = 75", "min = 80", 1)
    assert _upload(client, team.encode(), "six-signs.toml").status_code == 302
    with app.app_context():
        db = get_db()
        team_id, team_digest = db.execute(
            "SELECT id, digest FROM questionnaire_versions WHERE questionnaire_id = 'six-signs'"
        ).fetchone()
    refused = _publish(client, team_digest, team_id, "six-signs")
    page = client.get(refused.headers["Location"]).get_data(as_text=True)
    assert "This version cannot be published:" in page and "must have the same bands" in page
    assert "The bands changed (their ids or thresholds)" in page
    assert _upload(client, mirror.encode(), "six-signs-client.toml").status_code == 302
    assert _publish(client, team_digest, team_id, "six-signs").status_code == 302
    with app.app_context():
        db = get_db()
        published = db.execute(
            "SELECT questionnaire_id FROM questionnaire_versions WHERE published_at IS NOT NULL"
        ).fetchall()
        offered = library.available(db, app.config["QUESTIONS_DIR"], app.instance_path)
    assert sorted(row[0] for row in published) == ["six-signs", "six-signs-client"]
    assert offered.questionnaires["six-signs"].version == 2 and not offered.errors
    assert offered.questionnaires["six-signs-client"].bands[0].min == 80


def test_files_that_are_no_workbook_or_too_big_are_refused(app, client, auth):
    auth.login("admin")
    page = _upload(client, b"sign,id,type\nx,y,likert\n", "pulse.xlsx").get_data(as_text=True)
    assert "this is not an .xlsx workbook (a CSV or another file renamed?)" in page
    app.config["QUESTIONNAIRE_UPLOAD_MAX_BYTES"] = 10_000
    page = _upload(client, PULSE.read_bytes(), "pulse.toml").get_data(as_text=True)
    assert "at most 10,000 are allowed" in page
    # beyond the app's request limit (2 MB), the request itself is refused
    assert _upload(client, b"PK\x03\x04" + bytes(3_000_000), "big.xlsx").status_code == 413
    with app.app_context():
        assert get_db()["questionnaire_versions"].count == 0


def test_two_uploads_of_one_version_at_once_keep_one(app, monkeypatch):
    """The second of two simultaneous uploads of version 2 finds the row taken: it is told
    so, and only its own file goes (the first's stays)."""
    v2 = _pulse_v2()
    with app.app_context():
        db = get_db()
        args = {
            "questions_dir": app.config["QUESTIONS_DIR"],
            "instance_path": app.instance_path,
            "user_id": None,
            "max_bytes": 1_000_000,
            "max_rows": 2_000,
        }
        first = library.upload(db, data=v2, filename="a.toml", **args)
        # the second upload checked the versions before the first one was stored
        monkeypatch.setattr(library, "catalogue", lambda *_a: {})
        with pytest.raises(library.UploadRefused, match="uploaded a moment ago"):
            library.upload(db, data=v2, filename="b.toml", **args)
    kept = list((Path(app.instance_path) / "questionnaires").glob("pulse-v2-*.toml"))
    assert [path.name for path in kept] == [first.file]
