"""User-visible strings of the terminal app, in Japanese. No Textual here."""

from __future__ import annotations

APP_TITLE = "地域福祉コーディネーター 活動記録"

# Screens and keys (footer, help, command palette).
KEY_DASHBOARD = "ダッシュボード"
KEY_PROGRAM = "分野{n}"  # a program key before the plan names it
KEY_LOG = "記録一覧"
KEY_ORGS = "団体"
KEY_SETTINGS = "設定"
KEY_HELP = "ヘルプ"
KEY_QUIT = "終了"
KEY_PALETTE = "コマンド"
KEY_NEW = "記録する"
KEY_REPORT = "レポート"
KEY_SCOPE = "範囲"
KEY_SUMMARY = "週・月"
SCOPE_SHOWN = "表示の範囲: {scope}"
SCOPE_LINE = "範囲: {scope}"
SUMMARY_TITLE = "週・月のまとめ"
SUMMARY_EMPTY = "この期間の記録はありません"
SUMMARY_HEAD = "{title}  記録 {n} 件"
KEY_PREV_YEAR = "前年度"
KEY_NEXT_YEAR = "翌年度"
KEY_CREATE_PLAN = "計画を作成"
KEY_VIEW_LATEST = "最新年度を表示"
KEY_SAVE = "保存"
KEY_CANCEL = "閉じる"
KEY_EDIT = "編集"
KEY_DELETE = "削除"
KEY_UNDO = "元に戻す"
KEY_RENAME = "名前を変更"
KEY_MERGE = "統合"
KEY_FILTER = "絞り込み"

# Header.
AS_OF = "基準日"
PLAN_FILE = "計画"
BUNDLED = "同梱"
DEMO = "デモ"
LOADING = "読み込み中..."

# Status and figures.
EXPECTED = "目安"
AREAS_UNIT = "圏域"
MET = "済"
NOT_MET = "未"

# No-plan banner.
NO_PLAN = "{fy}の計画がまだありません。記録はこの年度の集計に入りません。"
NO_PLAN_OFFER = "[c] {latest}の計画から{fy}の計画を作る    [v] {latest}を表示する"
NO_PLAN_NONE = "計画ファイルが一つもありません"
PLAN_CREATED = "{fy}の計画を作成しました: {path}"
NO_PLAN_FOR_ENTRY = "{fy}の計画がありません。先に計画を作るか、計画のある年度を表示してください"

# Quick entry.
ENTRY_TITLE = "活動を記録する"
ENTRY_EDIT_TITLE = "記録を編集する"
ENTRY_TARGETS_CHOSEN = "選んだ目標: "
ENTRY_NONE_CHOSEN = "(まだありません)"
ENTRY_DATE = "日付"
ENTRY_AREA = "圏域"
ENTRY_COUNT = "回数"
ENTRY_ORG = "団体名"
ENTRY_CASE = "ケースコード"
ENTRY_COORD = "記録者"
ENTRY_NOTE = "メモ"
ENTRY_NEW_ORG = "新しい団体として登録します: {name}"
ENTRY_KNOWN_ORG = "登録済みの団体です"
ENTRY_ORG_NEAR = "登録済み: {names}"
ENTRY_SAVING = "保存しています..."
SAVED_LINE = "{label} +{n} → {actual} / {goal} {unit}"
SAVED_NOT_COUNTED = "{fy}に記録しました (表示中の年度の集計には入りません)"

# Log.
LOG_COLUMNS = ("日付", "目標", "圏域", "回数", "団体・ケース", "記録者", "メモ")
LOG_FILTER_ORG = "団体名"
LOG_ALL_TARGETS = "すべての目標"
LOG_ALL_AREAS = "すべての圏域"
LOG_DELETED = "記録を削除しました (u で元に戻す)"
LOG_EDITED = "記録を更新しました (u で元に戻す)"
LOG_NOTHING_TO_UNDO = "元に戻す操作がありません"
LOG_NO_ROW = "記録を選んでください"

# Organisations.
ORGS_TITLE = "団体 (この年度の働きかけ回数)"
ORGS_COLUMNS = ("団体名", "回数")
ORGS_RENAME_PROMPT = "新しい団体名"
ORGS_MERGE_PROMPT = "「{name}」をどの団体に統合しますか (統合先の名前)"
ORGS_RENAMED = "団体名を変更しました"
ORGS_MERGED = "統合しました ({n}件の記録を移しました)"
ORGS_UNKNOWN = "団体「{name}」はありません"

# Settings.
SETTINGS_COORD = "記録者 (コーディネーター)"
SETTINGS_AREA = "担当の圏域 (番号か名前)"
SETTINGS_SAVED = "設定を保存しました"

# Program-area screen.
CONTENT = "事業内容"
EFFECT = "期待される効果"
QUALITATIVE = "質的目標"
EVALUATION = "評価・課題"  # the coordinators' narrative per initiative and year (issue 11)
EVALUATION_EMPTY = "(未記入)"
KEY_EVALUATION = "評価・課題"
RECENT = "最近の記録"
MONTHLY = "月別"
NO_ENTRIES = "(記録はまだありません)"

# Misc.
ERROR = "エラー: {message}"
HELP_TITLE = "ヘルプ: キー操作"
HELP_INTRO = (
    "地域福祉コーディネーターの活動を記録し、年度の計画 ({plan}) の目標に対する進み具合を"
    "確かめる画面です。どの画面からでも n で記録できます。"
)
HELP_NO_PLAN = "計画なし"
STATUS_HELP = "状況: 先行 (目安より上)、順調 (目安の ±10%)、遅れ (目安より下)。目安は年度を均等に進んだ場合の基準日時点の数字です。"

PALETTE_PROMPT = "コマンドを検索 (キーの名前で絞り込み)"
SETTINGS_HINT = "Tab で入力欄へ、ctrl+s で保存、Esc で入力欄を離れる"
MONTHLY_GROUPS = "(その月に働きかけた団体の数)"
OVERVIEW = "【取組の概要】"

# Shown once per start when older entries break today's input rules (they still count).
OLD_ROWS = (
    "今の入力の決まりに合わない記録が {n} 件あります (以前に保存されたもの。集計には入っています)。"
    "記録一覧 (l) の e で直せます。一覧は「chofu-tui check」"
)
