"""The options of ``junheng monitor`` (argparse only: ``junheng --help`` loads no data library)."""
from __future__ import annotations

import argparse


def add_arguments(sp) -> None:
    sp.add_argument("--standard", required=True, help="标准编号或文件路径，如 national/quality-2017")
    sp.add_argument("--schools", required=True, nargs="+",
                    help="各年学校数据：2022=F 2023=F …，或一个含“年份/year/填报年度”列的文件")
    sp.add_argument("--counties", nargs="+",
                    help="各年区县数据：2022=F …，或一个含年份列的文件，或一个文件用于所有年份")
    sp.add_argument("--horizon", type=int, default=3, help="预测未来几年（默认 3）")
    sp.add_argument("--warn-within", type=int, default=2, help="预计几年内不达标即预警（默认 2）")
    sp.add_argument("--near", type=float, default=5.0, help="距阈值不足百分之几即预警（默认 5）")
    sp.add_argument("--day", default="09-01", help="每年的评估日期 MM-DD（默认 09-01）")
    sp.add_argument("--variant",
                    help="省级（市级）标准编号：比较最后一年在该标准下哪些区县结论变化，如 liaoning/province")
    sp.add_argument("--format", choices=["table", "json", "html", "xlsx"], default="table")
    sp.add_argument("--out", help="输出文件（默认标准输出；xlsx 必须给出）")
    sp.add_argument("--detail", action="store_true", help="JSON/XLSX 另列出每所学校每项指标的序列")
    sp.add_argument("--quiet", action="store_true", help="不显示进度与数据问题摘要")
    sp.add_argument("--lang", choices=["zh", "en"], default=argparse.SUPPRESS)
    sp.add_argument("--standards-dir", action="append", default=argparse.SUPPRESS)
