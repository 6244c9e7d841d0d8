"""``compliance serve``: the web portal on waitress."""

from __future__ import annotations

from pathlib import Path

import click

from compliance.cli.main import main


def _default_data(home: Path | None) -> Path:
    from compliance.store.setup import default_file

    return default_file(home).parent / "portal"


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", type=click.IntRange(0, 65535), default=8000, show_default=True, help="0: any free port.")
@click.option("--data", type=click.Path(path_type=Path), default=None,
              help="The portal's private folder (uploads, reports, its signing key, waivers, log); default: "
                   "portal/ beside the store's SQLite file.")
@click.option("--profile", default="auto", show_default=True,
              help="The profile hospital uploads are checked against.")
@click.option("--max-upload-mb", type=click.IntRange(1, 200), default=20, show_default=True)
@click.option("--threads", type=click.IntRange(1, 64), default=8, show_default=True)
@click.option("--workers", type=click.IntRange(1, 64), default=None,
              help="Worker processes that read, check and render (default: one per core).")
@click.option("--secure", is_flag=True,
              help="Served over HTTPS behind a proxy that sets X-Forwarded-Proto: secure cookies and HSTS.")
@click.pass_context
def serve(ctx: click.Context, host: str, port: int, data: Path | None, profile: str, max_upload_mb: int,
          threads: int, workers: int | None, secure: bool) -> None:
    """Start the web portal: hospitals upload their self-assessment, supervisors review their jurisdiction.
    The store must be migrated (`compliance db migrate`) and hold accounts (`compliance users add`)."""
    from compliance.pipeline.check import get_profile
    from compliance.store.setup import default_url
    from compliance.web.portal import PortalConfig
    from compliance.web.server import serve as run

    home = ctx.find_root().obj["home_option"]
    from compliance.cli.main import _catalog

    get_profile(_catalog(ctx), profile)  # an unknown profile stops here
    config = PortalConfig(data=(data or _default_data(home)).resolve(), store_url=default_url(home), home=home,
                          profile=profile, max_upload=max_upload_mb * 1024 * 1024, workers=workers, secure=secure)

    def ready(server: object) -> None:
        listening = getattr(server, "effective_port", port)
        click.echo(f"compliance portal on http://{host}:{listening}/ (data: {config.data}); Ctrl-C stops it", err=True)

    from compliance.cli.process import stopping_on_signals
    from compliance.errors import Interrupted

    try:
        with stopping_on_signals():  # SIGTERM (systemd) stops it like Ctrl-C: the worker processes stop too
            run(config, host, port, threads, ready)
    except Interrupted as stop:
        click.echo(f"compliance portal stopped (signal {stop.signal_number})", err=True)  # a normal end: exit 0
