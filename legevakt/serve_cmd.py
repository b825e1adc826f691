"""`legevakt serve`, `legevakt worker`, `legevakt create-admin` and `legevakt create-leader`:
start the web app, start a solve worker on the task queue, make an administrator, make a
leader of named legevakter.

Thin, like the rest of the command: the app, its storage and the demo live in web/.
Registered in legevakt/cli.py with `register(app)`.
"""

from __future__ import annotations

import os
from typing import Annotated, Any

import typer

HTTPS_ENV = "VAKTPLAN_HTTPS"
PROXIES_ENV = "VAKTPLAN_TRUSTED_PROXIES"
BROKER_ENV = "VAKTPLAN_BROKER_URL"


def broker_url() -> str | None:
    """VAKTPLAN_BROKER_URL (redis://host:6379/0): solves go to `legevakt worker` processes."""
    return os.environ.get(BROKER_ENV, "").strip() or None


def usable_database() -> str:
    """The database URL, after checking that the database answers; a clear message and exit
    code 2 when it does not (wrong DATABASE_URL, no PostgreSQL driver, database down)."""
    from web.db import database_problem, database_url

    url = database_url()
    problem = database_problem(url)
    if problem is not None:
        typer.echo(problem, err=True)
        raise typer.Exit(2)
    return url


def trusted_proxies() -> tuple[str, ...]:
    """VAKTPLAN_TRUSTED_PROXIES: comma-separated addresses or networks of reverse proxies."""
    raw = os.environ.get(PROXIES_ENV, "")
    return tuple(p.strip() for p in raw.split(",") if p.strip())


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
    ] = 60.0,
) -> None:
    """Start webappen (SQLite-fil som standard, PostgreSQL når DATABASE_URL er satt)."""
    import uvicorn
    from sqlalchemy.exc import IntegrityError

    from web.app import create_app, first_admin_needed
    from web.db import shown_url
    from web.demo import setup_demo
    from web.deps import Settings
    from web.security import new_password
    from web.users import create_user

    url = usable_database()
    broker = broker_url()
    if broker is not None:
        from web.queue import broker_problem

        problem = broker_problem(broker)
        if problem is not None:  # pages and feeds work; new plans fail at once until it answers
            typer.echo(f"Advarsel: {problem} Til den svarer, kan ingen planer lages.", err=True)
    app = create_app(
        Settings(
            https=os.environ.get(HTTPS_ENV, "") not in ("", "0"),
            trusted_proxies=trusted_proxies(),
            broker_url=broker,
        )
    )
    typer.echo(f"Database: {shown_url(url)}")
    if broker is not None:
        typer.echo("Planlegging: i køen (start arbeidere med «legevakt worker»).")
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
            try:
                s.commit()
                login = ("admin", password)
                typer.echo("Første start: laget administratoren «admin».")
            except IntegrityError:  # a second web process started at the same moment made it
                s.rollback()
    shown = "localhost" if host in ("127.0.0.1", "0.0.0.0", "::") else host
    typer.echo("")
    typer.echo(f"Vaktplan kjører på http://{shown}:{port}/")
    if login is not None:
        typer.echo(f"Logg inn med brukernavn: {login[0]}  passord: {login[1]}")
    typer.echo(f"API-dokumentasjon: http://{shown}:{port}/docs   Stopp med Ctrl+C.")
    typer.echo("")
    # X-Forwarded-* are read inside the app, and only from VAKTPLAN_TRUSTED_PROXIES.
    uvicorn.run(app, host=host, port=port, proxy_headers=False, log_level="warning")


def worker(
    concurrency: Annotated[
        int,
        typer.Option(
            "--concurrency",
            "-c",
            min=1,
            help="Hvor mange planer denne arbeideren lager samtidig (hver bruker "
            "VAKTPLAN_SOLVER_WORKERS kjerner, standard 2).",
        ),
    ] = 1,
    name: Annotated[
        str | None, typer.Option("--name", help="Navnet arbeideren har i køen og i loggen.")
    ] = None,
    loglevel: Annotated[
        str, typer.Option("--loglevel", help="Loggnivå: DEBUG, INFO, WARNING eller ERROR.")
    ] = "INFO",
) -> None:
    """Start en arbeider som lager vaktplaner fra køen (krever VAKTPLAN_BROKER_URL og
    DATABASE_URL). Start så mange du vil, på hvilke maskiner du vil."""
    from web.db import make_engine, migrate, shown_url
    from web.queue import broker_problem, run_worker

    broker = broker_url()
    if broker is None:
        typer.echo(
            f"Mangler {BROKER_ENV} (for eksempel redis://127.0.0.1:6379/0): arbeideren henter "
            "planene fra køen. Uten kø lager «legevakt serve» planene selv.",
            err=True,
        )
        raise typer.Exit(2)
    url = usable_database()
    problem = broker_problem(broker)
    if problem is not None:
        typer.echo(problem, err=True)
        raise typer.Exit(2)
    if url.startswith("sqlite") and not os.environ.get("VAKTPLAN_DB"):
        typer.echo(
            "Advarsel: ingen DATABASE_URL; arbeideren bruker SQLite-filen i denne mappen. "
            "Arbeidere på andre maskiner trenger PostgreSQL (DATABASE_URL).",
            err=True,
        )
    engine = make_engine(url)
    migrate(engine)
    engine.dispose()
    typer.echo(f"Arbeider: database {shown_url(url)}, kø {shown_url(broker)}")
    run_worker(broker, concurrency=concurrency, hostname=name, loglevel=loglevel.upper())


def _session() -> Any:
    from web.db import make_engine, migrate, session_factory

    engine = make_engine(usable_database())
    migrate(engine)
    return session_factory(engine)()


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
    """Lag en administrator (eller sett nytt passord for en bruker som finnes; det logger
    brukeren ut overalt)."""
    from web.errors import AppError
    from web.users import create_user, set_password, user_by_name

    with _session() as s:
        user = user_by_name(s, username)
        try:
            if user is None:
                create_user(s, username, password)
                message = f"Laget administratoren «{username.strip()}»."
            else:
                set_password(s, user, password)
                message = f"Nytt passord for «{user.username}»."
        except AppError as err:
            typer.echo(err.melding, err=True)
            raise typer.Exit(2) from None
        s.commit()
    typer.echo(message)


def create_leader(
    username: Annotated[str, typer.Option("--username", "-u", help="Brukernavnet.")],
    legevakt: Annotated[
        list[str],
        typer.Option(
            "--legevakt",
            "-l",
            metavar="ID",
            help="Legevakten (id, f.eks. innherred) brukeren skal lede. Gjenta for flere.",
        ),
    ],
    password: Annotated[
        str | None,
        typer.Option(
            "--password",
            help="Passord (minst 8 tegn). Uten: en ny bruker får et tilfeldig passord som "
            "skrives ut; en som finnes beholder sitt.",
        ),
    ] = None,
) -> None:
    """Lag en leder av navngitte legevakter, eller sett hvilke legevakter en leder har."""
    from web import store
    from web.errors import AppError
    from web.models import Role
    from web.security import new_password
    from web.users import create_user, set_legevakter, set_password, user_by_name

    by = "kommandolinjen"
    with _session() as s:
        try:
            rows = [store.legevakt(s, slug.strip()) for slug in legevakt]
            user = user_by_name(s, username)
            shown = None
            if user is None:
                shown = None if password else new_password()
                create_user(s, username, password or str(shown), Role.leader, rows, by=by)
                message = f"Laget lederen «{username.strip()}»"
            else:
                set_legevakter(s, user, rows, by)
                if password:
                    set_password(s, user, password, by=by)
                message = f"Oppdaterte lederen «{user.username}»"
        except AppError as err:
            typer.echo(err.melding, err=True)
            raise typer.Exit(2) from None
        s.commit()
    typer.echo(f"{message}: leder {', '.join(r.name for r in rows)}.")
    if shown:
        typer.echo(f"Passord: {shown}")


def register(app: typer.Typer) -> None:
    from legevakt.framework_no import NorwegianCommand

    app.command("serve", cls=NorwegianCommand)(serve)
    app.command("worker", cls=NorwegianCommand)(worker)
    app.command("create-admin", cls=NorwegianCommand)(create_admin)
    app.command("create-leader", cls=NorwegianCommand)(create_leader)
