"""The README's command reference, made from the commands' own ``--help`` (run: ``python -m ipe.cli.reference``)."""

from __future__ import annotations

import re
from pathlib import Path

import click

START, END = "<!-- cli-reference:start -->", "<!-- cli-reference:end -->"


def _walk(command: click.Command, ctx: click.Context, prefix: str):
    if isinstance(command, click.Group):
        for name in sorted(command.list_commands(ctx)):
            sub = command.get_command(ctx, name)
            if sub is None or sub.hidden:
                continue
            yield from _walk(sub, click.Context(sub, info_name=name, parent=ctx), f"{prefix} {name}")
    else:
        yield prefix, command, ctx


def reference() -> str:
    """Markdown: one line per command, its usage and the first line of its help."""
    from ipe.cli import cli

    root = click.Context(cli, info_name="ipe")
    lines = []
    for path, command, ctx in _walk(cli, root, "ipe"):
        pieces = command.collect_usage_pieces(ctx)
        usage = " ".join([path, *pieces])
        first = (command.help or "").strip().splitlines()[0]
        options = [max(p.opts, key=len) for p in command.params if isinstance(p, click.Option) and p.name != "help"]
        listed = f" Options: {', '.join(f'`{o}`' for o in options)}." if options else ""
        lines.append(f"- `{usage}`: {first}{listed}")
    return "\n".join(lines)


def update_readme(readme: Path) -> bool:
    """Rewrite the README's reference section; True when it changed."""
    text = readme.read_text(encoding="utf-8")
    new = re.sub(f"{re.escape(START)}.*?{re.escape(END)}", f"{START}\n{reference()}\n{END}", text, flags=re.S)
    if new != text:
        readme.write_text(new, encoding="utf-8")
    return new != text


if __name__ == "__main__":
    changed = update_readme(Path(__file__).resolve().parents[2] / "README.md")
    print("README.md updated" if changed else "README.md already up to date")
