"""The `junheng plan` command line (argparse only, so `junheng --help` loads no solver)."""
from __future__ import annotations


def add_parser(sub, data_args):
    p = sub.add_parser("plan", help="最低成本达标规划：每校每学段达到校级要求、各差异系数达标 / least-cost plan")
    data_args(p)
    p.add_argument("--costs", help="成本文件（YAML 或 CSV）：动作、单价、每校上限；缺省用示例文件（价格为占位数）")
    p.add_argument("--format", choices=["table", "json", "html", "xlsx"], default="table")
    p.add_argument("--out", help="输出文件（默认标准输出；xlsx 必须给出）")
    p.add_argument("--time-limit", type=float, default=120.0, help="每个区县的求解时限（秒）")
    return p
