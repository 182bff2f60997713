"""Generate schema/plan.schema.json from the pydantic models: `python -m chofu_tui.plan.jsonschema`."""

from __future__ import annotations

import json
import sys
from pathlib import Path

from chofu_tui.plan.validate import json_schema

SCHEMA_PATH = Path(__file__).resolve().parents[2] / "schema" / "plan.schema.json"


def render() -> str:
    schema = json_schema()
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["title"] = "chofu-tui 年度計画 (plan-YYYY.toml)"
    return json.dumps(schema, ensure_ascii=False, indent=2, sort_keys=True) + "\n"


def main() -> int:
    target = Path(sys.argv[1]) if len(sys.argv) > 1 else SCHEMA_PATH
    target.write_text(render(), encoding="utf-8")
    print(target)
    return 0


if __name__ == "__main__":
    sys.exit(main())
