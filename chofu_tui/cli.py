"""The command line: parses arguments, opens the store, runs a command or the app.

Exit codes: 0 success, 2 bad input (a UserError), 1 an unexpected failure.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import json
import os
import re
import signal
import sys
from collections.abc import Callable, Sequence
from dataclasses import asdict
from pathlib import Path
from typing import Any, NoReturn

from chofu_tui import __version__
from chofu_tui.errors import WRITE_FAILED_MESSAGE, UserError, storage_error
from chofu_tui.fiscal import FiscalYear, parse_date

_ARGPARSE_JA = {
    "the following arguments are required": "次の引数が必要です",
    "unrecognized arguments": "知らない引数です",
    "invalid choice": "選べない値です",
    "expected one argument": "値が一つ必要です",
    "invalid int value": "整数ではありません",
    "argument ": "引数 ",
}


_HELP_JA = {
    "usage: ": "使い方: ",
    "positional arguments": "引数",
    "options": "オプション",
    "show program's version number and exit": "版を表示して終了する",
}
# argparse looks its own words up through gettext; answer in Japanese.
argparse._ = lambda text: _HELP_JA.get(text, text)  # type: ignore[attr-defined]


class _Parser(argparse.ArgumentParser):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs["add_help"] = False  # our own -h, with a Japanese description
        super().__init__(*args, **kwargs)
        self.add_argument("-h", "--help", action="help", help="このヘルプを表示して終了する")

    def parse_known_args(self, args: Any = None, namespace: Any = None) -> Any:
        args = _join_dash_values(self, list(sys.argv[1:] if args is None else args))
        return super().parse_known_args(args, namespace)

    def error(self, message: str) -> NoReturn:
        ja = message
        for en, jp in _ARGPARSE_JA.items():
            ja = ja.replace(en, jp)
        self.print_usage(sys.stderr)
        ja = ja.replace("choose from", "次から選んでください:")
        english = f" ({message})" if message.isascii() else ""
        self.exit(2, f"エラー: {ja}{english}\n")


def _options(parser: argparse.ArgumentParser) -> tuple[set[str], set[str]]:
    """(options that take one value, every option string) of `parser` and its subcommands."""
    takes_value: set[str] = set()
    every: set[str] = set()
    for action in parser._actions:
        every.update(action.option_strings)
        if action.option_strings and action.nargs in (None, 1):
            takes_value.update(action.option_strings)
        if isinstance(action, argparse._SubParsersAction):
            for sub in action.choices.values():
                more_value, more = _options(sub)
                takes_value |= more_value
                every |= more
    return takes_value, every


def _join_dash_values(parser: argparse.ArgumentParser, argv: list[str]) -> list[str]:
    """`--note "-参加者12名"` -> `--note=-参加者12名`: argparse reads a value that begins with
    `-` as an option. A value that is itself one of our options (`--org --json`: the value
    was forgotten) is left for argparse to refuse."""
    takes_value, every = _options(parser)
    out: list[str] = []
    i = 0
    while i < len(argv):
        token = argv[i]
        if token == "--":
            out += argv[i:]
            break
        following = argv[i + 1] if i + 1 < len(argv) else None
        if (
            token in takes_value
            and following is not None
            and following.startswith("-")
            and following.split("=", 1)[0] not in every
            and following != "--"
        ):
            out.append(f"{token}={following}")
            i += 2
            continue
        out.append(token)
        i += 1
    return out


def _fy_arg(text: str) -> FiscalYear:
    try:
        return FiscalYear.parse(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def _date_arg(text: str) -> dt.date:
    from chofu_tui.context import _today  # "today" as the commands see it (CHOFU_TUI_TODAY)

    try:
        return parse_date(text, today=_today())
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def _int_arg(text: str) -> int:
    """A count: ASCII or full-width digits only (not `1_000`, not Arabic-Indic digits)."""
    from chofu_tui.services.entries import parse_count

    try:
        return parse_count(text)
    except UserError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def build_parser() -> argparse.ArgumentParser:
    # --db is accepted before and after the command's name: the later one wins.
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument(
        "--db",
        type=Path,
        default=argparse.SUPPRESS,
        help="データベースのパス (既定: データディレクトリ、環境変数 CHOFU_TUI_DB)",
    )
    parser = _Parser(
        prog="chofu-tui",
        description="地域福祉コーディネーターの活動記録と目標の進捗 (調布市社会福祉協議会)",
        parents=[common],
    )
    parser.add_argument("--demo", action="store_true", help="デモ用の一時データで画面を開く")
    parser.add_argument("--version", action="version", version=f"chofu-tui {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)

    p = sub.add_parser("targets", parents=[common], help="目標の一覧")
    p.add_argument("--fy", type=_fy_arg, help="年度 (2024, R6, 令和6)")
    p.add_argument("--json", action="store_true", help="JSON で出力する")

    p = sub.add_parser("add", parents=[common], help="活動を記録する")
    p.add_argument(
        "target_ids", nargs="+", metavar="TARGET_ID", help="目標 id (複数可。`targets` で一覧)"
    )
    p.add_argument(
        "--date",
        type=_date_arg,
        help="活動日 (2024-05-10、2024/5/10、5/10、令和6年5月10日、R6.5.10。既定: 今日)",
    )
    p.add_argument("--count", type=_int_arg, default=1, help="回数・件数 (1〜999、既定: 1)")
    p.add_argument("--area", help="圏域の番号または名前 (既定: 設定の圏域)")
    p.add_argument("--org", help="相手の団体名")
    p.add_argument("--case", help="ケースコード (仮名コード C-0012 など。氏名は記録しません)")
    p.add_argument("--coordinator", help="コーディネーター名 (40文字まで。既定: 設定)")
    p.add_argument("--note", default="", help="メモ (4,000文字まで。個人情報は書かない)")
    p.add_argument("--json", action="store_true", help="JSON で出力する")

    p = sub.add_parser("progress", parents=[common], help="目標に対する進捗")
    p.add_argument("--fy", type=_fy_arg, help="年度 (2024, R6, 令和6)")
    p.add_argument("--as-of", type=_date_arg, help="基準日 (既定: 今日)")
    p.add_argument("--area", help="圏域で絞り込む")
    p.add_argument("--coordinator", help="コーディネーターで絞り込む")
    p.add_argument(
        "--by",
        choices=["month", "area", "coordinator"],
        help="月別・圏域別・コーディネーター別の実績 (報告の各表と同じ数字)",
    )
    p.add_argument("--json", action="store_true", help="JSON で出力する")

    p = sub.add_parser("log", parents=[common], help="記録の一覧 (新しい順)")
    p.add_argument("--fy", type=_fy_arg, help="年度 (2024, R6, 令和6)")
    p.add_argument("--deleted", action="store_true", help="削除した記録も含める")
    p.add_argument("--json", action="store_true", help="JSON で出力する")

    for name, text in (
        ("delete", "記録を削除する (復元できます)"),
        ("restore", "削除した記録を戻す"),
    ):
        p = sub.add_parser(name, parents=[common], help=text)
        p.add_argument("uuid")

    p = sub.add_parser(
        "merge", parents=[common], help="他のパソコンのデータベースを取り込む (報告用の統合)"
    )
    p.add_argument("sources", nargs="+", type=Path, metavar="DB")
    p.add_argument(
        "--skip-invalid",
        action="store_true",
        help="規則に合わない記録を除いて取り込み、除いた記録を表示する",
    )
    p.add_argument("--json", action="store_true", help="JSON で出力する")

    p = sub.add_parser("check", parents=[common], help="今の規則に合わない保存済みの記録を一覧する")
    p.add_argument("--json", action="store_true", help="JSON で出力する")

    p = sub.add_parser("backup", parents=[common], help="データベースの一貫したコピーを作る")
    p.add_argument("dest", type=Path, metavar="FILE")

    p = sub.add_parser("report", parents=[common], help="実績報告 (Excel・CSV・Markdown)")
    p.add_argument("--fy", type=_fy_arg, help="年度 (2024, R6, 令和6)")
    p.add_argument("--as-of", type=_date_arg, help="基準日 (既定: 今日、年度末まで)")
    p.add_argument("--format", choices=["xlsx", "csv", "md"], default="md", help="形式 (既定: md)")
    p.add_argument(
        "-o",
        "--output",
        type=Path,
        help="出力ファイル (md の既定は画面。xlsx・csv の既定は現在のフォルダーの空いている名前)",
    )
    p.add_argument("--force", action="store_true", help="-o のファイルが既にあれば置き換える")
    p.add_argument(
        "--view",
        choices=["annual", "monthly", "area", "coordinator", "notes"],
        default="annual",
        help="CSV・Markdown の表 (既定: annual)",
    )
    p.add_argument("--subsidy-only", action="store_true", help="※ 補助対象の取組だけ")
    p.add_argument("--include-cases", action="store_true", help="ケースコードを含める")

    p = sub.add_parser("plan", parents=[common], help="計画ファイル")
    plan_sub = p.add_subparsers(dest="plan_command", metavar="ACTION", parser_class=_Parser)
    q = plan_sub.add_parser("new", parents=[common], help="新しい年度の計画を作る")
    q.add_argument("--fy", type=_fy_arg, required=True, help="作る年度 (2026, R8, 令和8)")
    q.add_argument("--from", dest="from_fy", type=_fy_arg, help="元にする年度 (既定: 最新)")
    plan_sub.add_parser("list", parents=[common], help="計画の一覧")
    q = plan_sub.add_parser("check", parents=[common], help="計画ファイルを検証する")
    q.add_argument("path", type=Path, help="計画ファイル (plan-YYYY.toml)")

    p = sub.add_parser("settings", parents=[common], help="自分の名前と圏域 (記録の既定値)")
    p.add_argument("--coordinator", help="コーディネーター名")
    p.add_argument("--area", help="圏域の番号または名前")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    _ignore_file_size_signal()
    try:
        return _dispatch(args, parser)
    except UserError as exc:
        # a message written for another cause ("cannot open") while the disk was full
        full = storage_error(exc)
        shown = full if full is not None and full.message != WRITE_FAILED_MESSAGE else exc
        print(f"エラー: {shown}", file=sys.stderr)
        return shown.exit_code
    except BrokenPipeError:
        # `chofu-tui log | head`: the reader left; not an error of ours.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 0
    except KeyboardInterrupt:
        return 130
    except Exception as exc:  # the last line of defence: a message, not a traceback
        if (full := storage_error(exc)) is not None:
            # a full disk or a size limit, however deep SQLite or peewee buried it
            print(f"エラー: {full}", file=sys.stderr)
            return full.exit_code
        if os.environ.get("CHOFU_TUI_DEBUG"):
            raise
        print(
            f"予期しないエラーが発生しました: {type(exc).__name__}: {exc}\n"
            "(CHOFU_TUI_DEBUG=1 を付けて再実行すると詳細が表示されます)",
            file=sys.stderr,
        )
        return 1


def _ignore_file_size_signal() -> None:
    """A file-size limit (ulimit -f) should fail a write with EFBIG, not kill the process."""

    if hasattr(signal, "SIGXFSZ"):
        with contextlib.suppress(ValueError):  # only the main thread may set it
            signal.signal(signal.SIGXFSZ, signal.SIG_IGN)


def _dispatch(args: argparse.Namespace, parser: argparse.ArgumentParser) -> int:
    from chofu_tui.context import Context

    command = args.command
    if command is None:
        from chofu_tui.run import run_app

        return run_app(db_path=getattr(args, "db", None), demo=args.demo)
    if command == "plan" and args.plan_command is None:
        parser.parse_args(["plan", "--help"])
    ctx = Context.open(
        getattr(args, "db", None),
        needs_store=command not in ("targets", "plan"),
        readonly=_reads_only(args),
    )
    if command == "settings":
        return cmd_settings(ctx, args)
    handler: Callable[[Context, argparse.Namespace], int] = COMMANDS[command]
    try:
        return handler(ctx, args)
    finally:
        ctx.close()


# json.dumps escapes C0 controls but, with ensure_ascii=False, writes DEL, C1 controls (U+009B
# is a terminal's CSI) and bidi overrides as they are: escape them too (still the same JSON).
_JSON_UNSAFE = re.compile(r"[\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


# Commands that only read the store: they open it without any write or write lock, so they
# work while another program writes and on a store they may not write to.
READ_ONLY_COMMANDS = frozenset({"log", "progress", "report", "check", "backup"})


def _reads_only(args: argparse.Namespace) -> bool:
    if args.command == "settings":  # shown, not changed
        return args.coordinator is None and args.area is None
    return args.command in READ_ONLY_COMMANDS


def _out(obj: Any) -> None:
    text = json.dumps(obj, ensure_ascii=False, indent=2, default=str)
    print(_JSON_UNSAFE.sub(lambda m: f"\\u{ord(m.group()):04x}", text))


def _year(ctx: Any, fy: FiscalYear | None) -> FiscalYear:
    if fy is not None:
        return fy
    chosen, why = ctx.catalog.choose(ctx.today())
    if why:
        print(f"注意: {why}", file=sys.stderr)
    return chosen


def cmd_targets(ctx: Any, args: argparse.Namespace) -> int:
    loaded = ctx.catalog.get(_year(ctx, args.fy))
    plan = loaded.plan
    rows = []
    for pa in plan.program_areas:
        for ini in pa.initiatives:
            for t in ini.targets:
                rows.append(
                    {
                        "id": t.id,
                        "label": t.label,
                        "program_area": pa.title,
                        "initiative": ini.title,
                        "heading": ini.heading,
                        "unit": t.unit,
                        "kind": t.kind.value,
                        "target": t.target,
                        "subsidy": ini.subsidy,
                    }
                )
    if args.json:
        _out({"fiscal_year": plan.fiscal_year, "label": plan.fy.label, "targets": rows})
        return 0
    from chofu_tui.textfmt import table

    print(f"{plan.fy.label} の目標 ({loaded.path})")
    body = [
        [
            r["id"],
            f"{r['target']} {'圏域' if r['kind'] == 'per_area' else r['unit']}",
            r["kind"],
            ("※ " if r["subsidy"] else "") + r["label"],
        ]
        for r in rows
    ]
    print(table(["id", "目標", "種類", "内容"], body, align="lrll"))
    return 0


def cmd_add(ctx: Any, args: argparse.Namespace) -> int:
    from chofu_tui.services import entries

    today = ctx.today()
    day = args.date or today
    plan = ctx.plan_for_entry(day)
    settings = ctx.settings()
    area = entries.resolve_area(plan, args.area) if args.area else settings.area
    if args.coordinator is not None:  # typed on purpose: a blank name is a mistake
        coordinator = entries.coordinator_name(args.coordinator)
    else:
        coordinator = settings.coordinator
    draft = entries.EntryDraft(
        targets=tuple(args.target_ids),
        date=day,
        area=area,
        count=args.count,
        organisation=args.org,
        case_code=args.case,
        coordinator=coordinator,
        note=args.note,
    )
    saved = entries.log_entry(ctx.catalog, draft, today=today)
    warnings = list(saved.warnings)
    if not saved.entry.coordinator:
        warnings.append(
            "記録者 (コーディネーター名) が設定されていないので、記録者なしで保存しました。"
            "「chofu-tui settings --coordinator 名前」で設定してください"
        )
    for w in warnings:
        print(f"注意: {w}", file=sys.stderr)
    if args.json:
        _out({"uuid": saved.entry.uuid, "warnings": warnings})
    else:
        print(saved.entry.uuid)
    return 0


def cmd_progress(ctx: Any, args: argparse.Namespace) -> int:
    from chofu_tui.services import entries
    from chofu_tui.services.clock import as_of_for
    from chofu_tui.services.progress import breakdown, figure_unit, progress_for
    from chofu_tui.textfmt import table

    fy = _year(ctx, args.fy)
    plan = ctx.catalog.get(fy).plan
    # A past year is seen as of its last day, not as of a day long after it.
    as_of = args.as_of or as_of_for(fy, ctx.today())
    area = entries.resolve_area(plan, args.area) if args.area else None
    if args.by:
        # the report's monthly / area / coordinator view, from the same engine
        bd = breakdown(plan, as_of, args.by, area=area, coordinator=args.coordinator)
        if args.json:
            _out(
                {
                    "fiscal_year": fy.year,
                    "label": fy.label,
                    "as_of": as_of.isoformat(),
                    "by": bd.by,
                    "columns": list(bd.columns),
                    "targets": [
                        {
                            "id": r.target.id,
                            "label": r.target.label,
                            "unit": r.unit,
                            "target": r.goal,
                            "actual": r.actual,
                            "values": list(r.values),
                        }
                        for r in bd.rows
                    ],
                }
            )
            return 0
        print(f"{fy.label} 実績 {args.by} (基準日 {as_of.isoformat()})")
        body = [[r.target.id, *map(str, r.values), f"{r.actual}{r.unit}"] for r in bd.rows]
        heads = ["id", *bd.columns, "実績"]
        print(table(heads, body, align="l" + "r" * (len(heads) - 1)))
        return 0
    prog = progress_for(plan, as_of, area=area, coordinator=args.coordinator)
    rows = [
        {
            "id": tp.target.id,
            "label": tp.target.label,
            "program_area": tp.program_area.title,
            "unit": tp.target.unit,
            "kind": tp.target.kind.value,
            "target": tp.goal,
            "actual": tp.actual,
            "expected_by_as_of": tp.expected_by_as_of,
            "projected": tp.projected,
            "status": tp.status.value,
            "by_area": {str(a): n for a, n in tp.by_area.items()},
        }
        for tp in prog.targets
    ]
    if args.json:
        _out(
            {"fiscal_year": fy.year, "label": fy.label, "as_of": as_of.isoformat(), "targets": rows}
        )
        return 0

    scope = []
    if area is not None:
        scope.append(f"圏域 {area} {plan.area(area).name}")
    if args.coordinator:
        scope.append(f"コーディネーター {args.coordinator}")
    print(f"{fy.label} 進捗 (基準日 {as_of.isoformat()}){' ' + ' / '.join(scope) if scope else ''}")
    body = [
        [
            tp.target.id,
            f"{tp.actual} / {tp.goal} {figure_unit(tp.target)}",
            f"{tp.ratio:.0%}",
            f"{tp.expected_by_as_of:g}",
            f"{tp.projected:g}",
            tp.status.label,
        ]
        for tp in prog.targets
    ]
    print(table(["id", "実績 / 目標", "達成率", "目安", "見込み", "状況"], body, align="lrrrrl"))
    return 0


def cmd_log(ctx: Any, args: argparse.Namespace) -> int:
    from chofu_tui.services import entries

    fy = args.fy or FiscalYear.of(ctx.today())  # the log needs no plan: today's year
    rows = entries.list_entries(fy.year, include_deleted=args.deleted)
    if args.json:
        _out(
            {
                "fiscal_year": fy.year,
                "label": fy.label,
                "entries": [
                    {**asdict(e), "date": e.date.isoformat(), "targets": list(e.targets)}
                    for e in rows
                ],
            }
        )
        return 0
    from chofu_tui.safetext import one_line
    from chofu_tui.textfmt import table

    print(f"{fy.label} の記録 {len(rows)} 件")
    # one_line: rows stored before today's rules (or merged in) may carry escape codes
    body = [
        [
            e.date.isoformat(),
            one_line(",".join(e.targets)),
            str(e.area),
            str(e.count),
            one_line(e.organisation or "") + (" [削除]" if e.deleted else ""),
            one_line(e.uuid),
        ]
        for e in rows
    ]
    print(table(["日付", "目標", "圏域", "数", "団体", "uuid"], body, align="llrrll"))
    return 0


def cmd_delete(ctx: Any, args: argparse.Namespace) -> int:
    from chofu_tui.services import entries

    record = entries.set_deleted(args.uuid, True)
    print(f"削除しました: {record.uuid} (「chofu-tui restore {record.uuid}」で戻せます)")
    return 0


def cmd_restore(ctx: Any, args: argparse.Namespace) -> int:
    from chofu_tui.services import entries

    record = entries.set_deleted(args.uuid, False)
    print(f"戻しました: {record.uuid}")
    return 0


def cmd_report(ctx: Any, args: argparse.Namespace) -> int:
    from chofu_tui.services.report import build_report, report_as_of
    from chofu_tui.services.report.save import save_report

    fy = _year(ctx, args.fy)
    plan = ctx.catalog.get(fy).plan
    as_of = args.as_of or report_as_of(fy, ctx.today())
    report = build_report(
        plan, as_of, subsidy_only=args.subsidy_only, include_cases=args.include_cases
    )
    if report.empty_message:
        print(f"注意: {report.empty_message}", file=sys.stderr)
    if args.format == "md" and args.output is None:
        from chofu_tui.services.report.text import render_markdown

        sys.stdout.write(render_markdown(report, args.view))
        return 0
    if args.force and args.output is None:
        print("注意: --force は -o と一緒に使います (既定の名前は置き換えません)", file=sys.stderr)
    path, defaulted = save_report(
        report, args.format, args.view, args.output, force=args.force, store=ctx.db_path
    )
    where = " (-o の指定がないので現在のフォルダーに作成)" if defaulted else ""
    print(f"{report.fy.label}の報告を書き出しました: {path}{where}", file=sys.stderr)
    print(path)
    return 0


def cmd_plan(ctx: Any, args: argparse.Namespace) -> int:
    from chofu_tui.plan import load_plan_file
    from chofu_tui.plan.loader import year_of_plan_file

    if args.plan_command == "new":
        path = ctx.catalog.write_next(args.fy, args.from_fy)
        print(path)
        print(
            f"{args.fy.label}の計画を作成しました。目標値を確認・編集してください。",
            file=sys.stderr,
        )
        return 0
    if args.plan_command == "check":
        plan = load_plan_file(args.path)
        named = year_of_plan_file(args.path.name)
        if named is not None and named != plan.fiscal_year:
            raise UserError(
                f"計画ファイル {args.path}: fiscal_year が {plan.fiscal_year} ですが、"
                f"ファイル名は {named} 年度です",
                "plan file name and fiscal_year disagree",
            )
        print(f"OK: {args.path} ({plan.fy.label}、目標 {len(plan.targets())} 件)")
        return 0
    broken = 0
    for fy in ctx.catalog.years():
        try:
            loaded = ctx.catalog.get(fy)
        except UserError as exc:  # list the others all the same
            print(f"エラー: {exc}", file=sys.stderr)
            broken += 1
            continue
        origin = "同梱" if loaded.bundled else "利用者"
        print(f"{fy.year}\t{fy.label}\t{origin}\t{loaded.path}")
    return 2 if broken else 0


def cmd_settings(ctx: Any, args: argparse.Namespace) -> int:
    from chofu_tui.safetext import one_line
    from chofu_tui.services import entries, settings

    current = ctx.settings()
    if args.coordinator is not None or args.area is not None:
        area = current.area
        if args.area is not None:
            plan = ctx.plan_for_entry(ctx.today())
            area = entries.resolve_area(plan, args.area)
        name = current.coordinator
        if args.coordinator is not None:  # typed on purpose: a blank name is refused
            name = entries.coordinator_name(args.coordinator)
        settings.save(settings.UserSettings(name, area))
        current = ctx.settings()
    print(f"コーディネーター: {one_line(current.coordinator) or '(未設定)'}")
    print(f"圏域: {current.area if current.area is not None else '(未設定)'}")
    return 0


def cmd_merge(ctx: Any, args: argparse.Namespace) -> int:
    from chofu_tui.services.merge import merge_stores

    if any(_same_file(src, ctx.db_path) for src in args.sources):
        raise UserError("取り込み先と同じデータベースは取り込めません", "source is the target")
    results = merge_stores(args.sources, ctx.catalog, skip_invalid=args.skip_invalid)
    for r in results:
        for w in r.warnings:
            print(f"注意: {w}", file=sys.stderr)
        if r.skipped:
            print(
                f"注意: {r.source}: 規則に合わない {len(r.skipped)} 件を取り込みませんでした",
                file=sys.stderr,
            )
            for p in r.skipped:
                print(f"  {p.uuid}  {p.field}: {p.reason}", file=sys.stderr)
    if args.json:
        _out(
            [
                {
                    **asdict(r),
                    "source": str(r.source),
                    "warnings": list(r.warnings),
                    "skipped": [asdict(p) for p in r.skipped],
                }
                for r in results
            ]
        )
        return 0
    for r in results:
        left_out = f"、取り込まなかった記録 {len(r.skipped)} 件" if r.skipped else ""
        print(
            f"{r.source}: 記録 追加 {r.entries_added} 件、更新 {r.entries_updated} 件、"
            f"変更なし {r.entries_unchanged} 件、団体 追加 {r.organisations_added} 件{left_out}"
        )
    return 0


def cmd_check(ctx: Any, args: argparse.Namespace) -> int:
    """Rows stored before today's rules. Exit 0 when none, 2 when some are listed."""
    from chofu_tui.services.checks import find_problems

    problems = find_problems(ctx.catalog)
    if args.json:
        _out({"problems": [asdict(p) for p in problems], "count": len(problems)})  # dates: str
        return 2 if problems else 0
    if not problems:
        print("今の規則に合わない記録はありません")
        return 0
    from chofu_tui.safetext import one_line
    from chofu_tui.textfmt import table

    body = [[str(p.date or ""), one_line(p.uuid), p.field, one_line(p.reason)] for p in problems]
    print(table(["日付", "uuid", "項目", "理由"], body))
    entries_n = len({p.uuid for p in problems})
    print(
        f"{entries_n} 件の記録に今の規則に合わない点が {len(problems)} 箇所あります。"
        "記録は今のまま集計されます。画面の記録一覧 (l) で e を押して直してください"
    )
    return 2


def _same_file(a: Path, b: Path) -> bool:
    """The same file under another name too (a symlink or a hard link)."""
    try:
        return a.resolve() == b.resolve() or os.path.samefile(a, b)
    except OSError:
        return False


def cmd_backup(ctx: Any, args: argparse.Namespace) -> int:
    from chofu_tui.services.merge import backup_store
    from chofu_tui.services.report.output import is_store_file

    dest = Path(os.path.abspath(args.dest.expanduser()))
    if is_store_file(dest.resolve(), ctx.db_path):
        raise UserError(
            f"{dest} はこのデータベース自身 (またはその一部) です。別のファイル名を指定してください",
            "backup destination is the store",
        )
    print(backup_store(dest))
    return 0


COMMANDS: dict[str, Callable[[Any, argparse.Namespace], int]] = {
    "targets": cmd_targets,
    "add": cmd_add,
    "progress": cmd_progress,
    "log": cmd_log,
    "delete": cmd_delete,
    "restore": cmd_restore,
    "report": cmd_report,
    "plan": cmd_plan,
    "merge": cmd_merge,
    "backup": cmd_backup,
    "check": cmd_check,
}
