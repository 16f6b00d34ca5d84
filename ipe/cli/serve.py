"""``ipe serve``: the coding workbench in the browser."""

from __future__ import annotations

import click

from ipe.cli import cli


@cli.command()
@click.option("--project", "-p", "project_dir", type=click.Path(file_okay=False),
              help="Project folder (default: ipe's --project, IPE_PROJECT or the current folder).")
@click.option("--host", default="127.0.0.1", show_default=True,
              help="Address to serve; local mode allows only loopback (127.0.0.1, ::1), team mode another over TLS.")
@click.option("--port", type=int, default=8765, show_default=True)
@click.option("--coder", envvar="IPE_CODER", default="",
              help="Local mode: your coder name, your codings go under it (omit to browse read-only). "
                   "Team mode ignores it: every write is the signed-in user's.")
@click.option("--identifiable", is_flag=True,
              help="Show the text of a project that is not pseudonymised (marked on every page).")
@click.option("--certfile", type=click.Path(exists=True, dir_okay=False), default=None,
              help="Team mode: serve TLS with this certificate (PEM), with --keyfile.")
@click.option("--keyfile", type=click.Path(exists=True, dir_okay=False), default=None,
              help="Team mode: the certificate's private key (PEM).")
@click.option("--behind-proxy", is_flag=True,
              help="Team mode: a TLS-terminating reverse proxy on this machine forwards to this loopback port.")
@click.option("--public-host", default="", metavar="NAME",
              help="Team mode: the host name people reach the workbench by (its Host header is accepted).")
@click.option("--open", "open_browser", is_flag=True, help="Open the workbench in the default browser.")
@click.pass_context
def serve(ctx, project_dir, host, port, coder, identifiable, certfile, keyfile, behind_proxy, public_host,
          open_browser):
    """Code transcripts in the browser: the workbench over this project, on loopback, offline.

    A project with accounts ('ipe users add') is served in team mode: everyone signs in, roles and blind coding
    are enforced by the server.

    Example:

        ipe serve --project reports/project --coder ana --open

        ipe serve --behind-proxy --public-host ipe.example.org --port 8765
    """
    from ipe.web.app import Settings, serve as run

    settings = Settings(project=project_dir or ctx.obj["project"], coder=coder, host=host, port=port,
                        identifiable=identifiable, certfile=certfile or "", keyfile=keyfile or "",
                        behind_proxy=behind_proxy, public_host=public_host)
    click.echo(f"ipe workbench on {settings.origin}/ (Ctrl-C to stop)", err=True)
    run(settings, open_browser=open_browser)
