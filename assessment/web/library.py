"""The questionnaire library (admins; leads may read): every questionnaire with its
versions and the rounds that use each, a read-only preview as respondents see it,
downloads as TOML or a workbook, uploads of new versions, the diff with the version
before, and publishing (``library.py`` holds the rules)."""

from __future__ import annotations

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import SubmitField

from .. import library
from ..db import get_db
from ..sqlite import transaction
from ..store.clients import NotFound
from ..vocab import LANGUAGE_NAMES, LANGUAGES, N_, localized
from .access import role_required
from .audit import log
from .downloads import content_disposition, file_name
from .i18n import current_language
from .labels import KIND_NAMES

bp = Blueprint("library", __name__, url_prefix="/questionnaires")

READERS = ("admin", "lead")
EDITORS = ("admin",)
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


class UploadForm(FlaskForm):
    file = FileField(
        _l("Questionnaire file (.toml) or workbook (.xlsx)"),
        validators=[FileRequired()],
        render_kw={"accept": ".toml,.xlsx"},
    )
    submit = SubmitField(_l("Upload and check"))


class PublishForm(FlaskForm):
    submit = SubmitField(_l("Publish for new rounds"))


def _paths() -> tuple[str, str]:
    return current_app.config["QUESTIONS_DIR"], current_app.instance_path


def _catalogue() -> dict[str, list[library.Version]]:
    return library.catalogue(get_db(), *_paths())


def _version_or_404(versions, questionnaire_id: str, digest: str) -> library.Version:
    try:
        return library.find(versions, questionnaire_id, digest)
    except KeyError:
        abort(404)


@bp.get("/")
@role_required(*READERS)
def index():
    return render_template(
        "library/index.html",
        versions=_catalogue(),
        form=UploadForm() if current_user.role in EDITORS else None,
        lang=current_language(),
    )


@bp.get("/<questionnaire_id>/<digest>")
@role_required(*READERS)
def show(questionnaire_id: str, digest: str):
    versions = _catalogue()
    version = _version_or_404(versions, questionnaire_id, digest)
    before = library.previous(versions, version)
    return render_template(
        "library/show.html",
        version=version,
        before=before,
        changes=library.changes(versions, version),
        publish_form=PublishForm()
        if current_user.role in EDITORS and version.upload and not version.upload.published
        else None,
        lang=current_language(),
        kind_names=KIND_NAMES,
    )


@bp.get("/<questionnaire_id>/<digest>/preview")
@role_required(*READERS)
def preview(questionnaire_id: str, digest: str):
    version = _version_or_404(_catalogue(), questionnaire_id, digest)
    shown = request.args.get("lang", current_language())
    if shown not in LANGUAGES:
        abort(404)
    return render_template(
        "library/preview.html",
        version=version,
        q=version.questionnaire,
        shown=shown,
        languages=LANGUAGE_NAMES,
        kind_names=KIND_NAMES,
    )


@bp.get("/<questionnaire_id>/<digest>.<fmt>")
@role_required(*READERS)
def download(questionnaire_id: str, digest: str, fmt: str):
    if fmt not in ("toml", "xlsx"):
        abort(404)
    version = _version_or_404(_catalogue(), questionnaire_id, digest)
    if fmt == "toml":
        body, mimetype = library.toml_of(version, current_app.instance_path), "application/toml"
    else:
        body, mimetype = library.xlsx_of(version), XLSX
    name = file_name(version.id, f"v{version.number}", digest[:8], ext=fmt)
    response = Response(body, mimetype=mimetype)
    response.headers["Content-Disposition"] = content_disposition("attachment", name)
    response.headers["Cache-Control"] = "private, no-store"
    return response


@bp.post("/upload")
@role_required(*EDITORS)
def upload():
    form = UploadForm()
    config = current_app.config
    if not form.validate_on_submit():
        flash(_("Choose a questionnaire file (.toml) or workbook (.xlsx) to upload."), "danger")
        return redirect(url_for("library.index")), 303
    limit = config["QUESTIONNAIRE_UPLOAD_MAX_BYTES"]
    data = form.file.data.read(limit + 1)
    filename = form.file.data.filename or "upload"
    db = get_db()
    try:
        entry = library.upload(
            db,
            data=data,
            filename=filename,
            questions_dir=config["QUESTIONS_DIR"],
            instance_path=current_app.instance_path,
            user_id=current_user.id,
            max_bytes=limit,
            max_rows=config["QUESTIONNAIRE_MAX_ROWS"],
        )
    except library.UploadRefused as refused:
        return (
            render_template(
                "library/index.html",
                versions=_catalogue(),
                form=form,
                lang=current_language(),
                refused=[_problem(where, message) for where, message in refused.problems],
                filename=filename,
            ),
            400,
        )
    with transaction(db, write=True):
        log(
            "questionnaire.uploaded",
            "questionnaire_version",
            entry.id,
            questionnaire=entry.questionnaire_id,
            version=entry.version,
        )
    flash(
        _(
            "Version %(version)s of %(id)s is uploaded and checked. Read the changes below,"
            " then publish it for new rounds.",
            version=entry.version,
            id=entry.questionnaire_id,
        ),
        "success",
    )
    return redirect(
        url_for("library.show", questionnaire_id=entry.questionnaire_id, digest=entry.digest)
    )


def _problem(where, message) -> str:
    """One problem of an upload as a line in the user's language."""
    if not where:
        return localized(message, _)
    return localized(N_("%(where)s: %(message)s", where=where, message=message), _)


@bp.post("/uploads/<int:upload_id>/publish")
@role_required(*EDITORS)
def publish(upload_id: int):
    form = PublishForm()
    if not form.validate_on_submit():
        abort(400)
    db = get_db()
    try:
        entry = library.publish(
            db,
            upload_id,
            questions_dir=current_app.config["QUESTIONS_DIR"],
            instance_path=current_app.instance_path,
            user_id=current_user.id,
        )
    except NotFound:
        abort(404)
    except library.UploadRefused as refused:
        flash(_("This version cannot be published:"), "danger")
        for where, message in refused.problems:
            flash(_problem(where, message), "danger")
        entry = library.rows.get(db, upload_id)
        return redirect(
            url_for("library.show", questionnaire_id=entry.questionnaire_id, digest=entry.digest)
        )
    with transaction(db, write=True):
        log(
            "questionnaire.published",
            "questionnaire_version",
            entry.id,
            questionnaire=entry.questionnaire_id,
            version=entry.version,
        )
    flash(
        _(
            "Version %(version)s of %(id)s is published: new rounds use it. Rounds already"
            " made keep the version they started with.",
            version=entry.version,
            id=entry.questionnaire_id,
        ),
        "success",
    )
    return redirect(
        url_for("library.show", questionnaire_id=entry.questionnaire_id, digest=entry.digest)
    )
