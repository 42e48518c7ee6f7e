"""The workbench as a Flask application: pages for evaluating uploaded files, browsing standards and
trying threshold changes. Server-rendered (Jinja templates), with a little JavaScript for the live
what-if preview and the on-demand explanations. Start it with ``junheng serve``.
"""
from __future__ import annotations

import io
from dataclasses import dataclass, field
from pathlib import Path

from flask import Flask, Response, abort, jsonify, redirect, render_template, request, url_for
from markupsafe import Markup
from werkzeug.exceptions import HTTPException, RequestEntityTooLarge

from junheng.errors import InputError, StandardError
from junheng.i18n import localize, t
from junheng.web import guard
from junheng.web.labels import LABELS
from junheng.web.whatif import parse_day
from junheng.web.workspace import Entry, UploadRefused, Workspace

DEFAULT_STANDARD = "national/quality-2017"


@dataclass
class Settings:
    host: str = "127.0.0.1"
    port: int = 8765
    token: str | None = None
    save_dir: Path = Path("junheng-standards")
    standards_dirs: list = field(default_factory=list)  # extra search folders (--standards-dir)
    lang: str = "zh"
    max_upload_mb: float = 50
    max_runs: int = 8

    @property
    def dirs(self) -> list:
        """Where standards are looked up: the save folder first, then --standards-dir folders."""
        return [str(self.save_dir)] + [str(d) for d in self.standards_dirs]


def create_app(settings: Settings, workspace: Workspace | None = None) -> Flask:
    app = Flask(__name__)
    app.config["MAX_CONTENT_LENGTH"] = int(settings.max_upload_mb * 1024 * 1024)
    app.config["JSON_AS_ASCII"] = False
    app.json.ensure_ascii = False
    ws = workspace or Workspace(settings.max_runs)
    app.extensions["junheng"] = {"settings": settings, "workspace": ws}

    def lang() -> str:
        v = request.cookies.get("junheng_lang") or settings.lang
        return v if v in LABELS else "zh"

    @app.context_processor
    def _labels():
        lg = lang()
        return {"t": LABELS[lg], "lang": lg, "settings": settings}

    # ------------------------------------------------------------------ guard
    @app.before_request
    def _guard():
        host = request.headers.get("Host", "")
        if not guard.host_allowed(host, settings.host):
            return _error(403, LABELS[lang()]["forbidden"] + t(lang(), "paren", x=f"Host: {host}"))
        if request.method not in ("GET", "HEAD", "OPTIONS") and not guard.same_origin(
                request.headers.get("Origin"), host):
            return _error(403, LABELS[lang()]["forbidden"] + t(lang(), "paren", x=t(lang(), "web.cross_site")))
        if settings.token:
            given = request.args.get("token")
            if given is not None and guard.token_ok(given, settings.token) and request.method == "GET":
                args = {k: v for k, v in request.args.items() if k != "token"}
                resp = redirect(url_for(request.endpoint, **(request.view_args or {}), **args)
                                if request.endpoint else "/")
                resp.set_cookie(guard.COOKIE, settings.token, httponly=True, samesite="Strict")
                return resp
            if not (guard.token_ok(request.cookies.get(guard.COOKIE), settings.token)
                    or guard.token_ok(request.headers.get(guard.HEADER), settings.token)):
                return _error(401, LABELS[lang()]["token_needed"])
        return None

    @app.after_request
    def _headers(resp):
        resp.headers.setdefault("X-Content-Type-Options", "nosniff")
        resp.headers.setdefault("X-Frame-Options", "SAMEORIGIN")
        resp.headers.setdefault("Referrer-Policy", "same-origin")  # no-referrer makes Chrome send Origin: null
        resp.headers.setdefault("Cache-Control", "no-store")
        return resp

    def _error(code: int, message: str):
        if request.path.startswith("/api/"):
            return jsonify({"ok": False, "error": message}), code
        return render_template("error.html", code=code, message=message), code

    @app.errorhandler(RequestEntityTooLarge)
    def _too_large(_exc):
        return _error(413, LABELS[lang()]["too_large"] + t(lang(), "paren", x=f"{settings.max_upload_mb:g} MB"))

    @app.errorhandler(HTTPException)
    def _http(exc):
        return _error(exc.code or 500, exc.description or exc.name)

    @app.route("/lang/<code>")
    def set_lang(code):
        resp = redirect(request.referrer if request.referrer and guard.same_origin(
            _origin_of(request.referrer), request.headers.get("Host", "")) else url_for("index"))
        if code in LABELS:
            resp.set_cookie("junheng_lang", code, samesite="Strict")
        return resp

    # ------------------------------------------------------------------ evaluate
    @app.route("/")
    def index():
        return render_template("index.html", standards=_standards(), recent=list(reversed(ws._runs.values())),
                               default_standard=DEFAULT_STANDARD, errors=[], form={})

    @app.route("/evaluate", methods=["POST"])
    def evaluate():
        from junheng.evaluation.run import evaluate_files

        form = {"standard": request.form.get("standard", ""), "as_of": request.form.get("as_of", "").strip()}
        errors, schools, counties = [], [], []
        try:
            for key, bucket in (("schools", schools), ("counties", counties)):
                for f in request.files.getlist(key):
                    if f and f.filename:
                        try:
                            bucket.append(ws.store(f.filename, f.read()))
                        except UploadRefused as exc:
                            errors.append(localize(exc.args[0], lang()) if exc.args else str(exc))
            if not schools and not errors:
                errors.append(t(lang(), "web.choose_schools"))
            if not errors:
                day = parse_day(form["as_of"])
                run = evaluate_files(form["standard"], schools, counties or None, day, settings.dirs, lang())
                entry = ws.add(Entry(ws.new_id(), form["standard"], day.isoformat() if day else None, schools,
                                     counties, run, lang()))
                return redirect(url_for("run_page", run_id=entry.id))
        except (InputError, ValueError) as exc:
            errors.append(localize(exc.args[0], lang()) if exc.args else str(exc))
        except StandardError as exc:
            errors.extend(e.render(lang()) for e in exc.errors)
        ws.discard(schools + counties)
        return render_template("index.html", standards=_standards(), recent=list(reversed(ws._runs.values())),
                               default_standard=form["standard"], errors=errors, form=form), 400

    def _entry(run_id) -> Entry:
        entry = ws.get(run_id)
        if entry is None:
            abort(404, LABELS[lang()]["run_missing"])
        return entry

    @app.route("/runs/<run_id>")
    def run_page(run_id):
        from junheng.reports.html import CSS, render_body
        from junheng.records.validate import file_summary, problems_of

        entry = _entry(run_id)
        body = render_body(entry.run, lang(), explain=lambda sid, stage: url_for(
            "explain", run_id=run_id, school=sid, stage=stage))
        county_ids = sorted(set(entry.run.spaces.counties["county_id"].astype(str))) \
            if entry.run.spaces.sizes["county"] else []
        srs, crs = entry.run.schools, entry.run.counties
        return render_template("run.html", entry=entry, body=Markup("\n".join(body)), counties=county_ids,
                               report_css=Markup(CSS),
                               files=file_summary(srs, crs), problems=[p.render(lang()) for p in problems_of(srs, crs)],
                               log=[localize(x, lang()) for x in srs.log + crs.log])

    @app.route("/runs/<run_id>/explain")
    def explain(run_id):
        from junheng.explain.derivation import NotFound, explain_county, explain_school, render
        from junheng.reports.html import _Capture, tree_text

        entry = _entry(run_id)
        try:
            if request.args.get("county"):
                tree = explain_county(entry.run, request.args["county"], lang())
            else:
                tree = explain_school(entry.run, request.args.get("school", ""), request.args.get("stage") or None,
                                      lang())
        except NotFound as exc:
            abort(404, str(exc))
        cap = _Capture()
        render(tree, cap, lang())
        text = tree_text(cap.tree)
        if request.args.get("fragment"):
            return Response(text, mimetype="text/plain; charset=utf-8")
        return render_template("explain.html", entry=entry, text=text,
                               subject=request.args.get("county") or request.args.get("school"))

    @app.route("/runs/<run_id>/download/<fmt>")
    def download(run_id, fmt):
        from junheng.reports.files import write_csv, write_json

        entry = _entry(run_id)
        run = entry.run
        stem = "junheng-" + "-".join(sorted(set(run.spaces.counties["county_id"].astype(str)))[:3] or ["report"])
        stem = "".join(ch if ch.isascii() and (ch.isalnum() or ch in "-_") else "_" for ch in stem)
        if fmt == "html":
            from junheng.reports.html import render_html

            data, mime = render_html(run, lang()).encode("utf-8"), "text/html; charset=utf-8"
        elif fmt == "xlsx":
            from junheng.reports.xlsx import write_xlsx

            buf = io.BytesIO()
            write_xlsx(run, buf, lang())
            data, mime = buf.getvalue(), "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
        elif fmt == "json":
            buf = io.StringIO()
            write_json(run, buf)
            data, mime = buf.getvalue().encode("utf-8"), "application/json"
        elif fmt == "csv":
            buf = io.StringIO()
            write_csv(run, buf)
            data, mime = buf.getvalue().encode("utf-8"), "text/csv; charset=utf-8"
        else:
            abort(404)
        return Response(data, mimetype=mime,
                        headers={"Content-Disposition": f'attachment; filename="{stem}.{fmt}"'})

    # ------------------------------------------------------------------ standards
    def _standards():
        from junheng.standard.registry import list_standards

        return list_standards(settings.dirs)

    @app.route("/standards")
    def standards():
        return render_template("standards.html", standards=_standards())

    @app.route("/standards/<path:sid>")
    def standard_page(sid):
        from junheng.standard.loader import load_standard
        from junheng.standard.registry import is_standard_id
        from junheng.tools.show import resolve_view

        if not is_standard_id(sid):
            abort(404, LABELS[lang()]["not_found"] + sid)
        day = parse_day(request.args.get("as_of", ""))
        try:
            std = load_standard(sid, settings.dirs, collect=True)
        except StandardError as exc:
            return render_template("error.html", code=400, message="\n".join(e.render(lang()) for e in exc.errors)), 400
        view = resolve_view(std, day)
        params = {p["id"]: p for p in view["parameters"]}
        for r in view["rules"]:
            r["threshold_values"] = [(pid, params[pid]["value_text"], params[pid]["unit"]) for pid in r["parameters"]]
        return render_template("standard.html", view=view, std=std, as_of=day.isoformat() if day else "")

    # ------------------------------------------------------------------ what-if
    @app.route("/whatif")
    def whatif_page():
        from junheng.standard.loader import load_standard
        from junheng.web.whatif import SOURCE_STATUSES, editable_parameters, suggest_id

        entry = ws.get(request.args.get("run", "")) if request.args.get("run") else None
        sid = request.args.get("standard") or (entry.standard if entry else DEFAULT_STANDARD)
        as_of = request.args.get("as_of") if "as_of" in request.args else (entry.as_of if entry else "")
        day = parse_day(as_of or "")
        try:
            std = load_standard(sid, settings.dirs, collect=True)
        except StandardError as exc:
            return render_template("error.html", code=400, message="\n".join(e.render(lang()) for e in exc.errors)), 400
        return render_template("whatif.html", entry=entry, std=std, as_of=day.isoformat() if day else "",
                               params=editable_parameters(std, day, lang()), standards=_standards(),
                               new_id=suggest_id(std, settings.dirs), statuses=SOURCE_STATUSES,
                               save_dir=str(settings.save_dir))

    @app.route("/api/whatif/preview", methods=["POST"])
    def whatif_preview():
        return jsonify(_whatif(request.get_json(silent=True) or {}, save=False))

    @app.route("/api/whatif/save", methods=["POST"])
    def whatif_save():
        result = _whatif(request.get_json(silent=True) or {}, save=True)
        return jsonify(result), (200 if result.get("saved") else 400)

    def _whatif(doc: dict, save: bool) -> dict:
        from junheng.web.whatif_service import whatif

        return whatif(doc, save, settings, ws, lang())

    return app


def _origin_of(url: str) -> str:
    from urllib.parse import urlsplit

    u = urlsplit(url)
    return f"{u.scheme}://{u.netloc}" if u.netloc else ""


__all__ = ["Settings", "create_app"]
