"""`legevakt serve` and `legevakt create-admin`: start the web app, make a leader login.

Thin, like the rest of the command: the app, its storage and the demo live in web/.
Registered in legevakt/cli.py with `register(app)`.
"""

from __future__ import annotations

import os
from typing import Annotated

import typer

HTTPS_ENV = "VAKTPLAN_HTTPS"


def serve(
    host: Annotated[str, typer.Option("--host", help="Adressen serveren lytter på.")] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", min=1, max=65535, help="Porten.")] = 8000,
    demo: Annotated[
        bool,
        typer.Option(
            "--demo",
            help="Last inn Innherred-eksempelet med en ferdig, publisert plan og skriv ut en "
            "demo-innlogging.",
        ),
    ] = False,
    demo_time_limit: Annotated[
        float,
        typer.Option("--demo-time-limit", min=1, metavar="SEK", help="Tidsgrense for demoplanen."),
    ] = 25.0,
) -> None:
    """Start webappen (SQLite-fil som standard, PostgreSQL når DATABASE_URL er satt)."""
    import uvicorn

    from web.app import create_app, first_admin_needed
    from web.db import database_url
    from web.demo import setup_demo
    from web.deps import Settings
    from web.security import new_password
    from web.store import create_user

    app = create_app(Settings(https=os.environ.get(HTTPS_ENV, "") not in ("", "0")))
    url = database_url()
    typer.echo(f"Database: {url.split('@')[-1] if '@' in url else url}")
    login: tuple[str, str] | None = None
    if demo:
        result = setup_demo(app, demo_time_limit, say=typer.echo)
        login = (result.username, result.password)
        typer.echo(f"Demo: {result.slug}, publisert versjon {result.version}.")
        for text in result.summary[:2]:
            typer.echo(f"  {text}")
    elif first_admin_needed(app):
        password = new_password()
        with app.state.sessions() as s:
            create_user(s, "admin", password)
            s.commit()
        login = ("admin", password)
        typer.echo("Første start: laget administratoren «admin».")
    shown = "localhost" if host in ("127.0.0.1", "0.0.0.0", "::") else host
    typer.echo("")
    typer.echo(f"Vaktplan kjører på http://{shown}:{port}/")
    if login is not None:
        typer.echo(f"Logg inn med brukernavn: {login[0]}  passord: {login[1]}")
    typer.echo(f"API-dokumentasjon: http://{shown}:{port}/docs   Stopp med Ctrl+C.")
    typer.echo("")
    uvicorn.run(app, host=host, port=port, proxy_headers=True, log_level="warning")


def create_admin(
    username: Annotated[
        str, typer.Option("--username", "-u", prompt="Brukernavn", help="Brukernavnet.")
    ],
    password: Annotated[
        str,
        typer.Option(
            "--password",
            prompt="Passord",
            hide_input=True,
            confirmation_prompt=True,
            help="Passordet (minst 8 tegn). Spørres om hvis det ikke er gitt.",
        ),
    ],
) -> None:
    """Lag en leder med administratorrettigheter (eller sett nytt passord for en som finnes)."""
    from sqlalchemy import select

    from web.db import database_url, make_engine, migrate, session_factory
    from web.errors import AppError
    from web.models import User
    from web.store import create_user, set_password

    engine = make_engine(database_url())
    migrate(engine)
    with session_factory(engine)() as s:
        user = s.scalar(select(User).where(User.username == username.strip()))
        try:
            if user is None:
                create_user(s, username, password)
                message = f"Laget lederen «{username.strip()}»."
            else:
                if len(password) < 8:
                    raise AppError(422, "for_kort_passord", "Passordet må ha minst 8 tegn.")
                set_password(s, user, password)
                message = f"Nytt passord for «{user.username}»."
        except AppError as err:
            typer.echo(err.melding, err=True)
            raise typer.Exit(2) from None
        s.commit()
    typer.echo(message)


def register(app: typer.Typer) -> None:
    app.command("serve")(serve)
    app.command("create-admin")(create_admin)
