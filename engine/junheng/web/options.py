"""The options of ``junheng serve`` (kept apart from the server so that ``junheng --help`` loads no
web framework)."""
from __future__ import annotations

TOKEN_ENV = "JUNHENG_TOKEN"


def add_arguments(sp) -> None:
    sp.add_argument("--host", default="127.0.0.1", help="监听地址（默认 127.0.0.1，仅本机可访问）")
    sp.add_argument("--port", type=int, default=8765, help="端口（默认 8765；0 = 任选一个空闲端口）")
    sp.add_argument("--token", help=f"访问令牌（非本机地址时必需；也可用环境变量 {TOKEN_ENV}）")
    sp.add_argument("--save-dir", help="保存试算标准的目录（默认：第一个 --standards-dir，否则环境变量 JUNHENG_STANDARDS_DIR，否则 ./junheng-standards）")
    sp.add_argument("--max-upload-mb", type=float, default=50, help="单次上传上限（MB，默认 50）")
    sp.add_argument("--max-files", type=int, default=200, help="单次上传的文件数上限（默认 200）")
