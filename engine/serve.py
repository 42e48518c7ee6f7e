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

TOKEN_ENV = "JUNHENG_TOKEN"


def add_arguments(sp) -> None:
    sp.add_argument("--host", default="127.0.0.1", help="监听地址（默认 127.0.0.1，仅本机可访问）")
    sp.add_argument("--port", type=int, default=8765, help="端口（默认 8765；0 = 任选一个空闲端口）")
    sp.add_argument("--token", help=f"访问令牌（非本机地址时必需；也可用环境变量 {TOKEN_ENV}）")
    sp.add_argument("--save-dir", help="保存试算标准的目录（默认：第一个 --standards-dir，否则 ./junheng-standards）")
    sp.add_argument("--max-upload-mb", type=float, default=50, help="单次上传上限（MB，默认 50）")
    sp.add_argument("--max-files", type=int, default=200, help="单次上传的文件数上限（默认 200）")


def cli(out, err, args, dirs, lang) -> int:
    from werkzeug.serving import make_server

    from .web.app import Settings, create_app
    from .web.guard import is_loopback
    from .web.workspace import Workspace

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
    save_dir = Path(args.save_dir or (dirs[0] if dirs else "junheng-standards"))
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
