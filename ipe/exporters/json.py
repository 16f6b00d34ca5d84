"""JSON: one file, ``{table name: [row, ...]}`` with sorted keys."""

import json
from pathlib import Path

FORMAT = "json"
SUFFIX = ".json"
KIND = "table"


def write(tables: dict, path: Path, title: str = "") -> list[Path]:
    data = {name: json.loads(table.to_json(orient="records", force_ascii=False)) for name, table in tables.items()}
    if len(data) == 1:
        data = next(iter(data.values()))
    path.write_text(json.dumps(data, indent=2, ensure_ascii=False, sort_keys=True) + "\n", encoding="utf-8")
    return [path]
