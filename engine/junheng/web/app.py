"""The workbench as a Flask application: pages for evaluating uploaded files, browsing standards and
trying threshold changes. Server-rendered (Jinja templates), with a little JavaScript for the live
what-if preview and the on-demand explanations. Start it with ``junheng serve``.
"""
from __future__ import annotations

import io
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from flask import Flask, Response, abort, jsonify, redirect, render_template, request, url_for
from markupsafe import Markup
from werkzeug.exceptions import HTTPException, RequestEntityTooLarge

from junheng.errors import InputError, StandardError
from junheng.i18n import localize, t
from junheng.web import guard
from junheng.web.labels import LABELS
from junheng.web.whatif import parse_day
from junheng.web.workspace import Entry, UploadRefused, Workspace
from junheng.evaluation.run import evaluate_files
from junheng.reports.html_report import CSS, render_body
from junheng.records.validate import file_summary, problems_of
from junheng.explain.derivation import NotFound, explain_county, explain_school
from junheng.explain.text import explain_text
from junheng.explain.plain import render_html as render_plain, view_of
from junheng.standard.registry import list_standards
from junheng.standard.loader import load_standard
from junheng.standard.registry import is_standard_id
from junheng.tools.show import resolve_view
from junheng.web.whatif import SOURCE_STATUSES, editable_parameters, suggest_id
from junheng.web.whatif_service import whatif
from urllib.parse import urlsplit
from urllib.parse import urlencode
import os
import sys
import tempfile
from junheng.paths import standards_dir
import re
import zipfile
from junheng.web.monitor_page import monitor_blueprint
from junheng.web.plan_page import plan_blueprint
from junheng.web.words import register_filters
from junheng.reports.formats import OUTPUT_FORMATS

DEFAULT_STANDARD = "national/quality-2017"
FORM_FIELDS = 10  # non-file fields of the upload form (standard, as_of, ...), on top of max_files
MAX_ID = 200  # characters of a standard id; longer is refused before any file system call


@dataclass
class Settings:
    host: str = "127.0.0.1"
    port: int = 8765
    token: str | None = None
    save_dir: Path = Path("junheng-standards")
    standards_dirs: list = field(default_factory=list)  # extra search folders (--standards-dir)
    lang: str = "zh"
    max_upload_mb: float = 50
    max_files: int = 200  # files in one upload (each is a form part)
    max_runs: int = 8

    @property
    def dirs(self) -> list:
        """Where standards are looked up: the save folder first, then --standards-dir folders."""
        return [str(self.save_dir)] + [str(d) for d in self.standards_dirs]


def create_app(settings: Settings, workspace: Workspace | None = None) -> Flask:
    app = Flask(__name__)
    app.config["MAX_CONTENT_LENGTH"] = int(settings.max_upload_mb * 1024 * 1024)
    app.config["MAX_FORM_PARTS"] = settings.max_files + FORM_FIELDS  # werkzeug: 413 beyond this many parts
    app.config["JSON_AS_ASCII"] = False
    app.json.ensure_ascii = False
    ws = workspace or Workspace(settings.max_runs)
    app.extensions["junheng"] = {"settings": settings, "workspace": ws}
    cx = _Context(app, settings, ws, _path_scrubber(settings, ws))

    _add_guards(cx)
    _add_error_handlers(cx)
    app.register_blueprint(monitor_blueprint(ws, settings, cx.lang, DEFAULT_STANDARD))  # junheng monitor
    app.register_blueprint(plan_blueprint(cx.entry, cx.lang, lambda data, fmt: _scrub_download(data, fmt, cx.scrub)))
    register_filters(app)  # ids in words on the pages (web/words.py)
    _add_evaluate_routes(cx)
    _add_run_routes(cx)
    _add_standard_routes(cx)
    _add_whatif_routes(cx)
    return app


@dataclass
class _Context:
    """What the route groups of one app share: the app, its settings and workspace, the path scrubber."""
    app: Flask
    settings: Settings
    ws: Workspace
    scrub: Callable[[str], str]

    def lang(self) -> str:
        v = request.cookies.get("junheng_lang") or self.settings.lang
        return v if v in LABELS else "zh"

    def error(self, code: int, message: str):
        if request.path.startswith("/api/"):
            return jsonify({"ok": False, "error": message}), code
        return render_template("error.html", code=code, message=message), code

    def standards(self):
        return list_standards(self.settings.dirs)

    def standard_id(self, sid) -> str:
        """Only an id from the configured standards folders, never a file path (abort 400 otherwise)."""
        if not (isinstance(sid, str) and len(sid) <= MAX_ID and is_standard_id(sid)):
            abort(400, LABELS[self.lang()]["bad_standard_id"] + str(sid)[:80])
        return sid

    def entry(self, run_id) -> Entry:
        entry = self.ws.get(run_id)
        if entry is None:
            abort(404, LABELS[self.lang()]["run_missing"])
        return entry

    def index_page(self, default_standard: str, errors: list, form: dict):
        return render_template("index.html", standards=self.standards(), recent=list(reversed(self.ws._runs.values())),
                               default_standard=default_standard, errors=errors, form=form)


# ---------------------------------------------------------------------- guards, headers, errors
def _add_guards(cx: _Context) -> None:
    app, settings = cx.app, cx.settings

    @app.context_processor
    def _labels():
        lg = cx.lang()
        return {"t": LABELS[lg], "lang": lg, "settings": settings}

    @app.before_request
    def _guard():
        return _guard_request(cx)

    @app.after_request
    def _no_server_paths(resp):
        """No page, API answer or error shows an absolute server path (standards folders, the save
        folder, the upload folder, the working folder): each is written as the short name the user
        knows. Downloads (attachments) are scrubbed where they are built (``_scrub_download``)."""
        if resp.direct_passthrough or "attachment" in resp.headers.get("Content-Disposition", ""):
            return resp
        if resp.mimetype in ("text/html", "application/json", "text/plain"):
            text = resp.get_data(as_text=True)
            clean = cx.scrub(text)
            if clean != text:
                resp.set_data(clean)
        return resp

    @app.after_request
    def _headers(resp):
        resp.headers.setdefault("X-Content-Type-Options", "nosniff")
        resp.headers.setdefault("X-Frame-Options", "SAMEORIGIN")
        resp.headers.setdefault("Referrer-Policy", "same-origin")  # no-referrer makes Chrome send Origin: null
        resp.headers.setdefault("Cache-Control", "no-store")
        return resp

    @app.route("/lang/<code>")
    def set_lang(code):
        resp = redirect(request.referrer if request.referrer and guard.same_origin(
            _origin_of(request.referrer), request.headers.get("Host", "")) else url_for("index"))
        if code in LABELS:
            resp.set_cookie("junheng_lang", code, samesite="Strict")
        return resp


def _guard_request(cx: _Context):
    """Host and origin checks, and the token (given once in the address, then kept in a cookie)."""
    settings, lg = cx.settings, cx.lang()
    host = request.headers.get("Host", "")
    if not guard.host_allowed(host, settings.host):
        return cx.error(403, LABELS[lg]["forbidden"] + t(lg, "paren", x=f"Host: {host}"))
    if request.method not in ("GET", "HEAD", "OPTIONS") and not guard.same_origin(
            request.headers.get("Origin"), host):
        return cx.error(403, LABELS[lg]["forbidden"] + t(lg, "paren", x=t(lg, "web.cross_site")))
    if settings.token:
        given = request.args.get("token")
        if given is not None and guard.token_ok(given, settings.token) and request.method == "GET":
            # the same address without the token (built from the path: a query parameter named like a
            # route variable, ?token=T&run_id=x, must not collide with it)

            rest = urlencode([(k, v) for k, v in request.args.items(multi=True) if k != "token"])
            resp = redirect(request.path + (f"?{rest}" if rest else ""))
            resp.set_cookie(guard.COOKIE, settings.token, httponly=True, samesite="Strict")
            return resp
        if not (guard.token_ok(request.cookies.get(guard.COOKIE), settings.token)
                or guard.token_ok(request.headers.get(guard.HEADER), settings.token)):
            return cx.error(401, LABELS[lg]["token_needed"])
    return None


def _add_error_handlers(cx: _Context) -> None:
    app, settings = cx.app, cx.settings

    @app.errorhandler(RequestEntityTooLarge)
    def _too_large(_exc):
        limit = app.config["MAX_CONTENT_LENGTH"]
        if request.content_length is not None and request.content_length <= limit:  # too many parts, not bytes
            return cx.error(413, LABELS[cx.lang()]["too_many_files"].format(n=settings.max_files))
        return cx.error(413, LABELS[cx.lang()]["too_large"] + t(cx.lang(), "paren", x=f"{settings.max_upload_mb:g} MB"))

    @app.errorhandler(Exception)
    def _internal(exc):  # a safety net: a message, never a traceback or a server path
        if isinstance(exc, HTTPException):
            return _http(exc)
        app.logger.exception("unhandled error on %s", request.path)
        return cx.error(500, LABELS[cx.lang()]["internal"])

    @app.errorhandler(HTTPException)
    def _http(exc):
        text = exc.description
        if not text or text == type(exc).description:  # werkzeug's English default: say it in the page's language
            text = LABELS[cx.lang()].get(f"http_{exc.code}") or exc.name
        return cx.error(exc.code or 500, text)


# ---------------------------------------------------------------------- evaluate
def _add_evaluate_routes(cx: _Context) -> None:
    app = cx.app

    @app.route("/")
    def index():
        return cx.index_page(DEFAULT_STANDARD, [], {})

    @app.route("/evaluate", methods=["POST"])
    def evaluate():
        return _evaluate(cx)


def _store_uploads(cx: _Context, schools: list, counties: list) -> list:
    """The uploaded files into the workspace; the refusals as messages."""
    errors = []
    for key, bucket in (("schools", schools), ("counties", counties)):
        for f in request.files.getlist(key):
            if f and f.filename:
                try:
                    bucket.append(cx.ws.store(f.filename, f.read()))
                except UploadRefused as exc:
                    errors.append(localize(exc.args[0], cx.lang()) if exc.args else str(exc))
    return errors


def _evaluate(cx: _Context):
    lg = cx.lang()
    form = {"standard": request.form.get("standard", ""), "as_of": request.form.get("as_of", "").strip()}
    errors: list = []
    schools: list = []
    counties: list = []
    try:
        errors += _store_uploads(cx, schools, counties)
        if not schools and not errors:
            errors.append(t(lg, "web.choose_schools"))

        if not (len(form["standard"]) <= MAX_ID and is_standard_id(form["standard"])):
            errors.append(LABELS[lg]["bad_standard_id"] + form["standard"][:80])
        if not errors:
            day = parse_day(form["as_of"])
            run = evaluate_files(form["standard"], schools, counties or None, day, cx.settings.dirs, lg)
            nothing = run.nothing_to_evaluate()
            if nothing:  # a blank form: say so in red, no empty report
                raise InputError(nothing)
            entry = cx.ws.add(Entry(cx.ws.new_id(), form["standard"], run.as_of.isoformat() if run.as_of else None,
                                    schools, counties, run, lg))
            return redirect(url_for("run_page", run_id=entry.id))
    except (InputError, ValueError) as exc:
        errors.append(localize(exc.args[0], lg) if exc.args else str(exc))
    except StandardError as exc:
        errors.extend(e.render(lg) for e in exc.errors)
    cx.ws.discard(schools + counties)
    return cx.index_page(form["standard"], errors, form), 400


# ---------------------------------------------------------------------- runs
def _add_run_routes(cx: _Context) -> None:
    app = cx.app

    @app.route("/runs/<run_id>")
    def run_page(run_id):
        entry = cx.entry(run_id)
        lg = cx.lang()
        body = render_body(entry.run, lg, explain=lambda sid, stage: url_for(
            "explain", run_id=run_id, school=sid, stage=stage))
        county_ids = sorted(set(entry.run.spaces.counties["county_id"].astype(str))) \
            if entry.run.spaces.sizes["county"] else []
        srs, crs = entry.run.schools, entry.run.counties
        return render_template("run.html", entry=entry, body=Markup("\n".join(body)), counties=county_ids,
                               report_css=Markup(CSS),
                               files=file_summary(srs, crs), problems=[p.render(lg) for p in problems_of(srs, crs)],
                               log=[localize(x, lg) for x in srs.log + crs.log])

    @app.route("/runs/<run_id>/explain")
    def explain(run_id):
        return _explain(cx, run_id)

    @app.route("/runs/<run_id>/download/<fmt>")
    def download(run_id, fmt):
        return _download(cx, run_id, fmt)


def _explain(cx: _Context, run_id):
    entry = cx.entry(run_id)
    lg = cx.lang()
    try:
        if request.args.get("county"):
            tree = explain_county(entry.run, request.args["county"], lg)
        else:
            tree = explain_school(entry.run, request.args.get("school", ""), request.args.get("stage") or None, lg)
    except NotFound as exc:
        abort(404, str(exc))
    plain = render_plain(view_of(entry.run, tree, lg))
    if request.args.get("fragment") == "html":  # the dialog of the run page
        return Response(plain, mimetype="text/html; charset=utf-8")
    if request.args.get("fragment"):  # the text `junheng explain --all` prints
        return Response(explain_text(tree, lg), mimetype="text/plain; charset=utf-8")
    return render_template("explain.html", entry=entry, plain=Markup(plain),
                           subject=request.args.get("county") or request.args.get("school"))


def _download(cx: _Context, run_id, fmt):
    entry = cx.entry(run_id)
    run = entry.run
    stem = "junheng-" + "-".join(sorted(set(run.spaces.counties["county_id"].astype(str)))[:3] or ["report"])
    stem = "".join(ch if ch.isascii() and (ch.isalnum() or ch in "-_") else "_" for ch in stem)
    spec = OUTPUT_FORMATS.get(fmt)
    if spec is None or not spec.download:
        abort(404)
    buf = io.BytesIO() if spec.binary else io.StringIO()
    spec.write(run, buf, cx.lang())  # built whole in memory: a failure is an error page, never a partial file
    data, mime = buf.getvalue(), spec.mime
    if isinstance(data, str):
        data = data.encode("utf-8")
    data = _scrub_download(data, fmt, cx.scrub)  # the provenance names standard files: no server folders
    return Response(data, mimetype=mime,
                    headers={"Content-Disposition": f'attachment; filename="{stem}.{fmt}"'})


# ---------------------------------------------------------------------- standards
def _add_standard_routes(cx: _Context) -> None:
    app, settings = cx.app, cx.settings

    @app.route("/standards")
    def standards():
        return render_template("standards.html", standards=cx.standards())

    @app.route("/standards/<path:sid>")
    def standard_page(sid):
        if not is_standard_id(sid) or len(sid) > MAX_ID:
            abort(404, LABELS[cx.lang()]["not_found"] + sid[:80])
        day = parse_day(request.args.get("as_of", ""))
        try:
            std = load_standard(sid, settings.dirs, collect=True)
        except StandardError as exc:
            return render_template("error.html", code=400,
                                   message="\n".join(e.render(cx.lang()) for e in exc.errors)), 400
        view = resolve_view(std, day)
        params = {p["id"]: p for p in view["parameters"]}
        for r in view["rules"]:
            r["threshold_values"] = [(pid, params[pid]["value"], params[pid]["unit"]) for pid in r["parameters"]]
        return render_template("standard.html", view=view, std=std, as_of=day.isoformat() if day else "")


# ---------------------------------------------------------------------- what-if
def _add_whatif_routes(cx: _Context) -> None:
    app, settings, ws = cx.app, cx.settings, cx.ws

    @app.route("/whatif")
    def whatif_page():
        entry = ws.get(request.args.get("run", "")) if request.args.get("run") else None
        sid = cx.standard_id(request.args.get("standard") or (entry.standard if entry else DEFAULT_STANDARD))
        as_of = request.args.get("as_of") if "as_of" in request.args else (entry.as_of if entry else "")
        day = parse_day(as_of or "")
        try:
            std = load_standard(sid, settings.dirs, collect=True)
        except StandardError as exc:
            return render_template("error.html", code=400,
                                   message="\n".join(e.render(cx.lang()) for e in exc.errors)), 400
        return render_template("whatif.html", entry=entry, std=std, as_of=day.isoformat() if day else "",
                               params=editable_parameters(std, day, cx.lang()), standards=cx.standards(),
                               new_id=suggest_id(std, settings.dirs), statuses=SOURCE_STATUSES,
                               save_dir=str(settings.save_dir))

    @app.route("/api/whatif/preview", methods=["POST"])
    def whatif_preview():
        return jsonify(whatif(request.get_json(silent=True) or {}, False, settings, ws, cx.lang()))

    @app.route("/api/whatif/save", methods=["POST"])
    def whatif_save():
        result = whatif(request.get_json(silent=True) or {}, True, settings, ws, cx.lang())
        return jsonify(result), (200 if result.get("saved") else 400)


def _path_scrubber(settings: Settings, ws: Workspace):
    """A function that writes every known absolute server folder in a text as a short name:
    a standards folder as its own name (``standards/national/x.yaml``), the upload folder as
    ``uploads``, the working folder as ``.``, the home and temp folders as ``~`` / ``tmp``. Longest
    first, so a folder inside another keeps its own name; whole folder names only."""
    pairs = {}

    def add(folder, name):
        try:
            forms = {str(Path(folder)), str(Path(folder).resolve())}
        except OSError:
            return
        for f in forms:
            if os.path.isabs(f) and len(f) > 1:
                pairs.setdefault(f, name)

    for d in settings.dirs:
        add(d, Path(d).name or "standards")
    add(standards_dir(), "standards")
    add(ws.root, "uploads")
    add(Path.cwd(), ".")
    add(sys.prefix, "python")
    add(Path.home(), "~")
    add(tempfile.gettempdir(), "tmp")

    ordered = sorted(pairs, key=len, reverse=True)  # the longest folder wins (one inside another)
    # a whole folder only: not part of a longer name (cwd /r must not touch the address /runs/...)
    pattern = re.compile(r"(?<![\w.\-])(?:" + "|".join(re.escape(f) for f in ordered) + r")(?![\w.\-])")

    def scrub(text: str) -> str:
        return pattern.sub(lambda m: pairs[m.group(0)], text) if ordered else text

    return scrub


def _scrub_download(data: bytes, fmt: str, scrub) -> bytes:
    """A report as downloaded from the workbench, with server folders written as short names (the
    HTML and JSON text; the XML parts of the XLSX zip). CSV holds no paths."""
    if fmt in ("html", "json"):
        return scrub(data.decode("utf-8")).encode("utf-8")
    if fmt != "xlsx":
        return data

    src, out = zipfile.ZipFile(io.BytesIO(data)), io.BytesIO()
    with src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            part = src.read(info)
            if info.filename.endswith(".xml"):
                part = scrub(part.decode("utf-8")).encode("utf-8")
            dst.writestr(info, part)
    return out.getvalue()


def _origin_of(url: str) -> str:
    u = urlsplit(url)
    return f"{u.scheme}://{u.netloc}" if u.netloc else ""


__all__ = ["Settings", "create_app"]
