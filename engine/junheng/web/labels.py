"""Words on the workbench's pages: Chinese by default, English with ``--lang en``.

The texts live in the message catalogue (``junheng.messages``, keys ``web.*``); the templates read
them as ``t["key"]`` from ``LABELS[lang]``, and whatif.js as ``T.key`` (the same dict as JSON)."""
from __future__ import annotations

from junheng.i18n import LANGS, t

_KEYS = {
    # punctuation around the words, which differs between the languages
    "p_colon": "punct.colon", "p_lparen": "punct.lparen", "p_rparen": "punct.rparen", "p_period": "punct.period",
    "p_list": "sep.list", "p_clause": "sep.clause", "p_comma": "sep.comma",
    "app": "web.app", "nav_evaluate": "web.nav_evaluate", "nav_standards": "web.nav_standards",
    "nav_whatif": "web.nav_whatif", "upload_title": "web.upload_title", "schools_file": "web.schools_file",
    "counties_file": "web.counties_file", "standard": "web.standard", "as_of": "web.as_of",
    "as_of_hint": "web.as_of_hint", "evaluate": "web.evaluate", "recent": "web.recent", "none": "web.none",
    "limit": "web.limit", "files_kept": "web.files_kept", "inputs": "web.inputs", "rows": "web.rows",
    "rejected": "web.rejected", "downloads": "web.downloads", "explain_county": "web.explain_county",
    "explain": "web.explain", "loading": "web.loading", "problems": "web.problems",
    "whatif_this": "web.whatif_this", "std_list": "web.std_list", "id": "web.id", "title": "web.title",
    "version": "web.version", "extends": "web.extends", "jurisdiction": "web.jurisdiction", "file": "web.file",
    "error": "web.error", "params": "web.params", "rules": "web.rules", "value": "web.value", "unit": "web.unit",
    "citation": "web.citation", "status": "web.status", "effective": "web.effective", "set_at": "web.set_at",
    "overrode": "web.overrode", "rule_words": "web.rule_words", "test": "web.test", "threshold": "web.threshold",
    "level": "web.level", "not_in_force": "web.not_in_force", "removed": "web.removed", "chain": "web.chain",
    "all_dates": "web.all_dates", "show_at": "web.show_at", "wi_title": "web.wi_title", "wi_base": "web.wi_base",
    "wi_data": "web.wi_data", "wi_no_data": "web.wi_no_data", "wi_hint": "web.wi_hint",
    "wi_changes": "web.wi_changes", "wi_impact": "web.wi_impact", "wi_counties": "web.wi_counties",
    "wi_schools": "web.wi_schools", "wi_rules": "web.wi_rules", "wi_nochange": "web.wi_nochange",
    "wi_noedit": "web.wi_noedit", "wi_save": "web.wi_save", "wi_new_id": "web.wi_new_id",
    "wi_title_f": "web.wi_title_f", "wi_reason": "web.wi_reason", "wi_document": "web.wi_document",
    "wi_article": "web.wi_article", "wi_jurisdiction": "web.wi_jurisdiction", "wi_search": "web.wi_search",
    "wi_shown": "web.wi_shown", "wi_status": "web.wi_status", "wi_saved": "web.wi_saved",
    "wi_yaml": "web.wi_yaml", "wi_run_cmd": "web.wi_run_cmd", "wi_ok": "web.wi_ok", "wi_errors": "web.wi_errors",
    "wi_pass_fail": "web.wi_pass_fail", "wi_fail_pass": "web.wi_fail_pass", "wi_other": "web.wi_other",
    "school": "web.school", "stage": "web.stage", "rule": "web.rule", "before": "web.before", "after": "web.after",
    "county": "web.county", "choose": "web.choose", "err_title": "web.err_title", "back": "web.back",
    "not_found": "web.not_found", "too_large": "web.too_large", "forbidden": "web.forbidden",
    "token_needed": "web.token_needed", "run_missing": "web.run_missing", "lang_other": "web.lang_other",
    "always": "web.always", "versions": "web.versions",
    "area": "web.area", "veto": "web.veto",
    "too_many_files": "web.too_many_files",
    "bad_standard_id": "web.bad_standard_id",
    "internal": "web.internal",
    "http_400": "web.http_400",
    "http_404": "web.http_404",
    "http_405": "web.http_405",
}

LABELS = {lang: {k: t(lang, key) for k, key in _KEYS.items()} for lang in LANGS}
