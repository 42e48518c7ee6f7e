"""Workbench page for ``junheng monitor``: upload one school file with a year column (and a county file),
get the monitor's self-contained HTML report. Files are kept only for the run."""
from __future__ import annotations

import io

from flask import Blueprint, Response, render_template_string, request

from junheng.errors import InputError, StandardError
from junheng.i18n import t
from junheng.monitor.render import write_html
from junheng.monitor.series import Options, document, run_monitor
from junheng.web.workspace import UploadRefused

FORM = """{% extends "base.html" %}
{% block main %}
<h1>{{ text.title }}</h1>
{% if errors %}<div class="errors" id="errors"><ul>
{% for e in errors %}<li>{{ e }}</li>{% endfor %}</ul></div>{% endif %}
<form id="monitor" method="post" enctype="multipart/form-data" class="panel">
  <label>{{ text.schools }}<input type="file" name="schools" id="schools" required
         accept=".csv,.tsv,.txt,.xlsx,.xlsm,.json,.jsonl,.ndjson"></label>
  <label>{{ text.counties }}<input type="file" name="counties" id="counties"
         accept=".csv,.tsv,.txt,.xlsx,.xlsm,.json,.jsonl,.ndjson"></label>
  <label>{{ text.standard }}<input name="standard" id="standard" value="{{ standard }}"></label>
  <label>{{ text.horizon }}<input type="number" name="horizon" id="horizon" min="1" max="10" value="3"></label>
  <button type="submit" id="go">{{ text.go }}</button>
  <p class="muted small">{{ text.hint }}</p>
</form>
{% endblock %}"""

# the form's texts: name → catalogue key (junheng.messages)
TEXT_KEYS = {"title": "monitor.page_title", "schools": "monitor.page_schools", "counties": "monitor.page_counties",
             "standard": "monitor.page_standard", "horizon": "monitor.page_horizon", "go": "monitor.page_go",
             "hint": "monitor.page_hint"}


def monitor_blueprint(ws, settings, lang_of, default_standard: str) -> Blueprint:
    bp = Blueprint("monitor", __name__)

    @bp.route("/monitor", methods=["GET", "POST"])
    def monitor_page():
        lg = lang_of()
        errors: list = []
        standard = request.form.get("standard", default_standard).strip() or default_standard
        if request.method == "POST":
            stored = []
            try:
                for key in ("schools", "counties"):
                    f = request.files.get(key)
                    if f and f.filename:
                        stored.append((key, ws.store(f.filename, f.read())))
                files = dict(stored)
                if "schools" not in files:
                    errors.append(t(lg, "web.choose_schools"))
                else:
                    horizon = max(1, min(10, int(request.form.get("horizon") or 3)))
                    mon = run_monitor(standard, [files["schools"]],
                                      [files["counties"]] if "counties" in files else None, settings.dirs,
                                      Options(horizon=horizon, lang=lg))
                    buf = io.StringIO()
                    write_html(document(mon, columns=True), buf, lg)
                    return Response(buf.getvalue(), mimetype="text/html")
            except (InputError, UploadRefused, ValueError) as exc:
                errors.append(str(exc))
            except StandardError as exc:
                errors.extend(str(e) for e in exc.errors)
            finally:
                ws.discard([f for _, f in stored])
        text = {k: t(lg, key) for k, key in TEXT_KEYS.items()}
        return render_template_string(FORM, text=text, errors=errors, standard=standard), (400 if errors else 200)

    return bp
