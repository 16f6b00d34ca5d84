"""``ipe serve``: the coding workbench in the browser."""

from __future__ import annotations

import click

from ipe.cli import cli


@cli.command()
@click.option("--project", "-p", "project_dir", type=click.Path(file_okay=False),
              help="Project folder (default: ipe's --project, IPE_PROJECT or the current folder).")
@click.option("--host", default="127.0.0.1", show_default=True,
              help="Address to serve; local mode allows only loopback (127.0.0.1, ::1).")
@click.option("--port", type=int, default=8765, show_default=True)
@click.option("--coder", envvar="IPE_CODER", default="", help="Your coder name: your codings go under it (omit to browse read-only).")
@click.option("--identifiable", is_flag=True,
              help="Show the text of a project that is not pseudonymised (marked on every page).")
@click.option("--open", "open_browser", is_flag=True, help="Open the workbench in the default browser.")
@click.pass_context
def serve(ctx, project_dir, host, port, coder, identifiable, open_browser):
    """Code transcripts in the browser: the workbench over this project, on loopback, offline.

    Example:

        ipe serve --project reports/project --coder ana --open
    """
    from ipe.web.app import Settings, serve as run

    settings = Settings(project=project_dir or ctx.obj["project"], coder=coder, host=host, port=port, identifiable=identifiable)
    click.echo(f"ipe workbench on {settings.origin}/ (Ctrl-C to stop)", err=True)
    run(settings, open_browser=open_browser)
