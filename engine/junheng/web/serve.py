"""``junheng serve``: start the local web workbench (engine.web).

Binds to 127.0.0.1 by default. Any other ``--host`` needs a token (``--token`` or the environment
variable JUNHENG_TOKEN), because the workbench reads uploads and writes standard files. Uploads
live in a temporary folder that is removed when the server stops (Ctrl+C or SIGTERM).
"""
from __future__ import annotations

import os
import secrets
import signal
from pathlib import Path

from junheng.paths import user_save_dir
from junheng.web.app import Settings, create_app
from junheng.web.guard import is_loopback
from junheng.web.options import TOKEN_ENV
from junheng.web.workspace import Workspace

def cli(out, err, args, dirs, lang) -> int:
    from werkzeug.serving import make_server

    token = args.token or os.environ.get(TOKEN_ENV) or None
    if not is_loopback(args.host) and not token:
        err.print(f"[red]监听非本机地址 {args.host} 需要访问令牌：--token 或环境变量 {TOKEN_ENV}。"
                  f"例如 --token {secrets.token_urlsafe(16)}[/] / a non-local --host needs a token", highlight=False)
        return 2
    if args.max_files <= 0:
        err.print("[red]--max-files 必须大于 0[/]")
        return 2
    if args.max_upload_mb <= 0:
        err.print("[red]--max-upload-mb 必须大于 0[/]")
        return 2
    save_dir = Path(args.save_dir) if args.save_dir else user_save_dir(dirs)
    extra = [d for d in dirs if Path(d).resolve() != save_dir.resolve()]
    settings = Settings(host=args.host, port=args.port, token=token, save_dir=save_dir, standards_dirs=extra,
                        lang=lang, max_upload_mb=args.max_upload_mb, max_files=args.max_files)
    ws = Workspace(settings.max_runs)
    try:
        app = create_app(settings, ws)
        server = make_server(args.host, args.port, app, threaded=True)
    except (OSError, SystemExit) as exc:
        ws.close()
        err.print(f"[red]无法启动服务 / cannot start the server: {exc}[/]", highlight=False)
        return 2

    def stop(signum, frame):  # SIGTERM: leave serve_forever like Ctrl+C does
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGTERM, stop)
    host = f"[{args.host}]" if ":" in args.host else args.host
    url = f"http://{host}:{server.server_port}/" + (f"?token={token}" if token else "")
    out.print(f"junheng 工作台已启动 / workbench running: {url}", highlight=False)
    out.print(f"  试算标准保存到 / saved standards go to: {save_dir.resolve()}", highlight=False)
    out.print(f"  上传文件的临时文件夹（停止时删除）/ uploads (removed at exit): {ws.root}", highlight=False)
    out.print("  按 Ctrl+C 停止 / Ctrl+C to stop", highlight=False)
    out.file.flush()
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
        ws.close()
        signal.signal(signal.SIGTERM, previous)
        out.print("已停止，临时文件已删除 / stopped, temporary files removed", highlight=False)
    return 0
