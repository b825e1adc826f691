"""What the pages and the API do to stored data. Every change writes the audit log.

A legevakt's source of truth is its instance YAML text, with the doctors written inline (a
staff-list upload replaces them). Every save goes through roster's parser and resolver, so
nothing invalid is stored; a failing save raises roster's InputError and changes nothing.
"""

from __future__ import annotations

import datetime as dt
import functools
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import ValidationError
from sqlalchemy import bindparam, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, defer

from roster.checker import check
from roster.errors import InputError, Problem, problems_from_validation
from roster.formats.exchange import Assignment, Roster
from roster.formats.ical import ALL_NAME, FeedState, feed, feeds, sequences_elsewhere
from roster.formats.staff import import_staff, parse_staff_bytes
from roster.instance import (
    DoctorAbsence,
    DoctorExemption,
    DoctorWish,
    Instance,
    InstanceFile,
    instance_file_text,
    parse_instance_text,
    read_instance_file,
    resolve,
)
from roster.limits import date_problem
from web import auditwords as words
from web.errors import AppError, not_found
from web.mail import smtp_from_env
from web.models import (
    ACTIVE_JOB_STATES,
    AuditEntry,
    FeedToken,
    LegevaktRow,
    PublishedVersion,
    SolveJob,
    utcnow,
)
from web.notify import duties_changed
from web.security import new_feed_token, token_hash, tokens_equal

EXAMPLES_DIR = Path(__file__).resolve().parent.parent / "examples"
EXAMPLES = {"innherred": "Innherred IKL (55 leger)", "small": "Fjellvik (5 leger)"}
YAML_NAME = "instance.yaml"


# --------------------------------------------------------------------------- instances


@functools.lru_cache(maxsize=64)
def instance_from_text(text: str) -> Instance:
    """The resolved Instance of a stored YAML text (cached: the text is immutable)."""
    return resolve(parse_instance_text(text, YAML_NAME), None, YAML_NAME)


def document(text: str) -> InstanceFile:
    return parse_instance_text(text, YAML_NAME)


def validated_text(doc: InstanceFile) -> str:
    """The YAML text of a document, after proving that it resolves to a valid Instance."""
    if doc.staff:
        raise InputError(
            [
                Problem(
                    file=YAML_NAME,
                    field="staff",
                    message="legelisten lastes opp på siden for legevakten; fjern «staff:»",
                )
            ]
        )
    text = instance_file_text(doc)
    instance_from_text(text)
    return text


def check_text(text: str) -> str:
    """A leader's YAML: parse and resolve it. Returns it unchanged (comments kept)."""
    doc = document(text)
    validated_text(doc)
    instance_from_text(text)
    return text


def example_text(name: str) -> str:
    """An example's YAML with its staff list written inline."""
    if name not in EXAMPLES:
        raise not_found("Eksempelet")
    path = EXAMPLES_DIR / name / YAML_NAME
    doc = read_instance_file(path)
    staff = import_staff(path.parent / doc.staff, doc.legevakt) if doc.staff else []
    doc = doc.model_copy(update={"staff": None, "doctors": (*staff, *doc.doctors)})
    return validated_text(doc)


def roster_from_json(data: dict[str, Any]) -> Roster:
    return Roster(
        assignments=tuple(
            Assignment(shift_id=a["shift_id"], doctor_id=a["doctor_id"])
            for a in data.get("assignments", ())
        )
    )


def roster_to_json(roster: Roster) -> dict[str, Any]:
    return {"assignments": [a.model_dump() for a in roster.assignments]}


# --------------------------------------------------------------------------- audit


def audit(
    s: Session, username: str, action: str, detail: str = "", legevakt: LegevaktRow | None = None
) -> None:
    s.add(
        AuditEntry(
            username=username,
            action=action,
            detail=detail,
            legevakt_id=legevakt.id if legevakt else None,
            at=utcnow(),
        )
    )


# --------------------------------------------------------------------------- legevakter


def legevakter(s: Session) -> list[LegevaktRow]:
    return list(s.scalars(select(LegevaktRow).order_by(LegevaktRow.name)))


#: Built once: constructing the statement cost more than running it.
LEGEVAKT_BY_SLUG = select(LegevaktRow).where(LegevaktRow.slug == bindparam("slug"))


def legevakt(s: Session, slug: str) -> LegevaktRow:
    row = s.scalar(LEGEVAKT_BY_SLUG, {"slug": slug})
    if row is None:
        raise not_found("Legevakten")
    return row


def create_legevakt(s: Session, text: str, username: str) -> LegevaktRow:
    text = check_text(text)
    instance = instance_from_text(text)
    slug = instance.legevakt.id
    if s.scalar(select(LegevaktRow).where(LegevaktRow.slug == slug)) is not None:
        raise AppError(409, "finnes_fra_for", f"En legevakt med id «{slug}» finnes fra før.", [])
    row = LegevaktRow(
        slug=slug, name=instance.legevakt.name, instance_yaml=text, updated_at=utcnow()
    )
    s.add(row)
    s.flush()
    audit(s, username, "legevakt_opprettet", f"{instance.legevakt.name} ({slug})", row)
    return row


def save_text(
    s: Session,
    row: LegevaktRow,
    text: str,
    username: str,
    action: str,
    detail: str | None = None,
) -> None:
    """Store a new plan file (after every check) and log it: `detail`, or a summary."""
    text = check_text(text)
    instance = instance_from_text(text)
    if instance.legevakt.id != row.slug:
        raise InputError(
            [
                Problem(
                    file=YAML_NAME,
                    field="legevakt.id",
                    message=f"id-en kan ikke endres (skal være «{row.slug}»)",
                )
            ]
        )
    if text == row.instance_yaml:
        return
    row.instance_yaml = text
    row.name = instance.legevakt.name
    row.updated_at = utcnow()
    audit(s, username, action, detail if detail is not None else words.summary(instance), row)


def import_staff_file(
    s: Session, row: LegevaktRow, data: bytes, filename: str, username: str
) -> int:
    """Replace the doctors with those of a staff list. All or nothing."""
    doc = document(row.instance_yaml)
    doctors = parse_staff_bytes(data, filename, doc.legevakt)
    new = doc.model_copy(update={"doctors": tuple(doctors)})
    save_text(
        s,
        row,
        validated_text(new),
        username,
        "legeliste_importert",
        f"{filename}: {words.count(len(doctors), 'lege', 'leger')}",
    )
    return len(doctors)


def set_period(s: Session, row: LegevaktRow, start: dt.date, end: dt.date, username: str) -> None:
    doc = document(row.instance_yaml)
    try:
        period = doc.period.model_validate({"start": start, "end": end})
    except ValidationError as exc:
        raise InputError(problems_from_validation(exc, YAML_NAME)) from None
    if period == doc.period:
        return
    save_text(
        s,
        row,
        validated_text(doc.model_copy(update={"period": period})),
        username,
        "periode_endret",
    )


#: The per-doctor sections of the instance file a leader edits in forms.
SECTIONS: dict[str, type[DoctorAbsence] | type[DoctorExemption] | type[DoctorWish]] = {
    "absences": DoctorAbsence,
    "exemptions": DoctorExemption,
    "wishes": DoctorWish,
}
SECTION_NO = {"absences": "fravær", "exemptions": "fritak", "wishes": "ønske"}


def doctor_entries(text: str, doctor_id: str) -> dict[str, list[tuple[int, Any]]]:
    """(index in the file, entry) of each section that names this doctor."""
    doc = document(text)
    return {
        section: [(i, e) for i, e in enumerate(getattr(doc, section)) if e.doctor == doctor_id]
        for section in SECTIONS
    }


def add_entry(
    s: Session,
    row: LegevaktRow,
    doctor_id: str,
    section: str,
    data: dict[str, Any],
    username: str,
) -> None:
    """Add an absence, exemption or wish for one doctor. Validated like the whole file."""
    model = SECTIONS[section]
    doc = document(row.instance_yaml)
    if not instance_from_text(row.instance_yaml).has_doctor(doctor_id):
        raise not_found("Legen")
    try:
        item = model.model_validate({**data, "doctor": doctor_id})
    except ValidationError as exc:
        raise InputError(problems_from_validation(exc)) from None
    new = doc.model_copy(update={section: (*getattr(doc, section), item)})
    _save_entry(s, row, new, username, f"{SECTION_NO[section]}_lagt_til", doctor_id, item)


def remove_entry(
    s: Session, row: LegevaktRow, doctor_id: str, section: str, index: int, username: str
) -> None:
    doc = document(row.instance_yaml)
    items = list(getattr(doc, section))
    if not 0 <= index < len(items) or items[index].doctor != doctor_id:
        raise not_found("Oppføringen")
    gone = items.pop(index)
    new = doc.model_copy(update={section: tuple(items)})
    _save_entry(s, row, new, username, f"{SECTION_NO[section]}_fjernet", doctor_id, gone)


def _save_entry(
    s: Session,
    row: LegevaktRow,
    new: InstanceFile,
    username: str,
    action: str,
    doctor_id: str,
    item: Any,
) -> None:
    instance = instance_from_text(row.instance_yaml)
    detail = f"{words.doctor_name(instance, doctor_id)}: {words.describe_entry(item, instance)}"
    save_text(s, row, validated_text(new), username, action, detail)


# --------------------------------------------------------------------------- jobs


def create_job(
    s: Session,
    row: LegevaktRow,
    username: str,
    time_limit: float,
    previous: PublishedVersion | None = None,
    freeze_before: dt.date | None = None,
) -> SolveJob:
    """A queued solve of the legevakt's current text; with `previous`, a re-plan with as few
    changes as possible from that version, keeping its duties before `freeze_before`."""
    if freeze_before is not None and previous is None:
        raise InputError(
            [Problem(field="behold_for", message="krever en publisert versjon å starte fra")]
        )
    if freeze_before is not None and (problem := date_problem(freeze_before)):
        raise InputError([Problem(field="behold_for", message=problem)])
    if previous is not None and previous.legevakt_id != row.id:
        raise not_found("Versjonen")
    lock_legevakt(s, row)
    active = s.scalar(
        select(SolveJob.id).where(
            SolveJob.legevakt_id == row.id, SolveJob.status.in_(ACTIVE_JOB_STATES)
        )
    )
    if active is not None:
        raise busy_solving(active)
    job = SolveJob(
        legevakt_id=row.id,
        status="queued",
        instance_yaml=row.instance_yaml,
        time_limit=time_limit,
        previous_version_id=previous.id if previous else None,
        freeze_before=freeze_before,
        progress={},
        created_by=username,
        created_at=utcnow(),
    )
    s.add(job)
    s.flush()
    detail = f"plan {job.id}, tidsgrense {time_limit:g} s"
    if previous is not None:
        detail += f", færrest endringer fra versjon {previous.number}"
    if freeze_before is not None:
        detail += f", vakter før {words.day(freeze_before)} beholdes"
    audit(s, username, "plan_startet", detail, row)
    return job


def busy_solving(job_id: int | None) -> AppError:
    which = f" (plan {job_id})" if job_id is not None else ""
    return AppError(
        409,
        "lager_allerede",
        f"En vaktplan lages allerede for denne legevakten{which}. Vent til den er ferdig, "
        "og prøv igjen.",
    )


def commit_job(s: Session, row: LegevaktRow) -> None:
    """Commit a new job; a second active job of the legevakt (made meanwhile by another
    process) is refused by the database's unique index and answered with 409."""
    try:
        s.commit()
    except IntegrityError:
        s.rollback()
        raise busy_solving(None) from None


def lock_legevakt(s: Session, row: LegevaktRow) -> None:
    """Serialise solving and publishing per legevakt in the database: a no-op UPDATE of the
    legevakt's row holds its row lock (PostgreSQL) or the write lock (SQLite) until this
    transaction ends, so a second request waits here and then sees the first one's work."""
    s.execute(
        update(LegevaktRow)
        .where(LegevaktRow.id == row.id)
        .values(slug=LegevaktRow.slug)
        .execution_options(synchronize_session=False)
    )


def cancel_job(s: Session, j: SolveJob, username: str) -> bool:
    """Stop a queued or running solve: the row says «cancelled» at once and the worker's
    claim is void (web.jobs fences its writes). False when the job had already ended."""
    row = s.get(LegevaktRow, j.legevakt_id)
    assert row is not None
    lock_legevakt(s, row)
    done = s.execute(
        update(SolveJob)
        .where(SolveJob.id == j.id, SolveJob.status.in_(ACTIVE_JOB_STATES))
        .values(
            status="cancelled",
            message=f"Avbrutt av {username}.",
            finished_at=utcnow(),
        )
        .execution_options(synchronize_session=False)
    )
    if getattr(done, "rowcount", 0) != 1:
        s.rollback()
        return False
    audit(s, username, "plan_avbrutt", f"plan {j.id}", row)
    s.commit()
    s.refresh(j)
    return True


def published_as(s: Session, j: SolveJob) -> PublishedVersion | None:
    return s.scalar(
        select(PublishedVersion)
        .where(PublishedVersion.job_id == j.id)
        .order_by(PublishedVersion.number.desc())
        .limit(1)
    )


def job(s: Session, job_id: int) -> SolveJob:
    found = s.get(SolveJob, job_id)
    if found is None:
        raise not_found("Planen")
    return found


def jobs_for(s: Session, row: LegevaktRow, limit: int = 10) -> list[SolveJob]:
    return list(
        s.scalars(
            select(SolveJob)
            .where(SolveJob.legevakt_id == row.id)
            .order_by(SolveJob.id.desc())
            .limit(limit)
        )
    )


# --------------------------------------------------------------------------- versions


def versions(s: Session, row: LegevaktRow) -> list[PublishedVersion]:
    return list(
        s.scalars(
            select(PublishedVersion)
            .where(PublishedVersion.legevakt_id == row.id)
            .order_by(PublishedVersion.number.desc())
        )
    )


#: A version's large texts, deferred: read only when used.
VERSION_TEXTS = (
    defer(PublishedVersion.instance_yaml),
    defer(PublishedVersion.roster),
    defer(PublishedVersion.report),
    defer(PublishedVersion.feed_state),
)


def version(s: Session, row: LegevaktRow, number: int, light: bool = False) -> PublishedVersion:
    """A version of the legevakt; `light`: its large texts (plan, roster, report, feed
    state) are read only when used (pages that keep them in memory, web.facts)."""
    query = select(PublishedVersion).where(
        PublishedVersion.legevakt_id == row.id, PublishedVersion.number == number
    )
    found = s.scalar(query.options(*VERSION_TEXTS) if light else query)
    if found is None:
        raise not_found("Versjonen")
    return found


def latest_version(s: Session, legevakt_id: int, light: bool = False) -> PublishedVersion | None:
    """The legevakt's latest version; `light`: its large texts read only when used."""
    query = (
        select(PublishedVersion)
        .where(PublishedVersion.legevakt_id == legevakt_id)
        .order_by(PublishedVersion.number.desc())
        .limit(1)
    )
    return s.scalar(query.options(*VERSION_TEXTS) if light else query)


def latest_version_stamp(s: Session, legevakt_id: int) -> tuple[int, dt.datetime] | None:
    """Id and publication time of the latest version, without loading its texts (what a
    calendar feed needs to answer «not modified»)."""
    row = s.execute(
        select(PublishedVersion.id, PublishedVersion.published_at)
        .where(PublishedVersion.legevakt_id == legevakt_id)
        .order_by(PublishedVersion.number.desc())
        .limit(1)
    ).first()
    return None if row is None else (row[0], row[1])


def previous_version(s: Session, v: PublishedVersion) -> PublishedVersion | None:
    return s.scalar(
        select(PublishedVersion)
        .where(PublishedVersion.legevakt_id == v.legevakt_id, PublishedVersion.number < v.number)
        .order_by(PublishedVersion.number.desc())
        .limit(1)
    )


def publish(s: Session, j: SolveJob, username: str) -> PublishedVersion:
    """Make an immutable version of a finished plan, and commit it. The plan must pass the
    checker with no breaches other than uncovered shifts (those are shown in red, not
    hidden). Publications of one legevakt are serialised (`lock_legevakt`): the second of
    two at once waits, then is numbered after the first, or refused if it is the same plan."""
    if j.status != "done" or j.roster is None:
        raise AppError(409, "ikke_ferdig", "Planen er ikke ferdig og kan ikke publiseres.")
    row = s.get(LegevaktRow, j.legevakt_id)
    assert row is not None
    instance = instance_from_text(j.instance_yaml)
    roster = roster_from_json(j.roster)
    checked = check(instance, roster)  # the oracle, again: nothing is published unchecked
    other = [b for b in checked.breaches if b.rule != "coverage"]
    if other:
        raise AppError(
            409,
            "regelbrudd",
            "Planen har regelbrudd og kan ikke publiseres.",
            [Problem(message=str(b)) for b in other[:50]],
        )
    lock_legevakt(s, row)
    last = latest_version(s, row.id)
    if last is not None and last.job_id == j.id:
        raise AppError(
            409, "allerede_publisert", f"Planen er allerede publisert som versjon {last.number}."
        )
    number = (last.number if last else 0) + 1
    now = utcnow().replace(microsecond=0)
    _, state = feeds(
        instance,
        roster,
        previous_for_feed(instance, last),
        now=now,
        state=feed_state_of(last),
    )
    v = PublishedVersion(
        legevakt_id=row.id,
        number=number,
        job_id=j.id,
        instance_yaml=j.instance_yaml,
        roster=j.roster,
        report=j.report,
        feed_state=state.model_dump(mode="json"),
        published_by=username,
        published_at=now,
    )
    s.add(v)
    changed = ""
    if last is not None:
        n = len(
            diff(
                instance_from_text(last.instance_yaml),
                roster_from_json(last.roster),
                instance,
                roster,
            )
        )
        changed = f", {n} endrede vakter mot versjon {last.number}"
    audit(s, username, "publisert", f"versjon {number} fra plan {j.id}{changed}", row)
    if last is not None:  # a re-plan: every doctor whose duties changed is told what changed
        earlier = (instance_from_text(last.instance_yaml), roster_from_json(last.roster))
        headline = f"Ny versjon {number} av vaktplanen er publisert."
        duties_changed(s, row, earlier, (instance, roster), headline, smtp_from_env())
    ensure_feed_tokens(s, row, instance, username)
    try:
        s.commit()
    except IntegrityError:  # another process published this number first
        s.rollback()
        raise AppError(
            409,
            "publisert_samtidig",
            "Noen andre publiserte en plan for denne legevakten samtidig. Last siden på nytt "
            "og se versjonene før du prøver igjen.",
        ) from None
    return v


def feed_state_of(v: PublishedVersion | None) -> FeedState | None:
    if v is None or v.feed_state is None:
        return None
    return FeedState.model_validate(v.feed_state)


def restrict(instance: Instance, roster: Roster) -> Roster:
    """The part of an earlier roster the current instance can name (its shifts, its doctors)."""
    shifts = {sh.id for sh in instance.shifts}
    return Roster(
        assignments=tuple(
            a
            for a in roster.assignments
            if a.shift_id in shifts and instance.has_doctor(a.doctor_id)
        )
    )


def previous_for_feed(instance: Instance, before: PublishedVersion | None) -> Roster | None:
    return None if before is None else restrict(instance, roster_from_json(before.roster))


def feed_calendar(s: Session, v: PublishedVersion, doctor_id: str | None) -> bytes:
    """The calendar a feed serves for version `v`: the same bytes every time (DTSTAMP and
    LAST-MODIFIED come from the publication, SEQUENCE from the earlier version's state)."""
    instance = instance_from_text(v.instance_yaml)
    before = previous_version(s, v)
    state = feed_state_of(before)
    key = ALL_NAME if doctor_id is None else doctor_id
    cal, _ = feed(
        instance,
        roster_from_json(v.roster),
        doctor_id,
        previous_for_feed(instance, before),
        now=v.published_at,
        state=None if state is None else state.calendars.get(key, {}),
        elsewhere=None if doctor_id is None else sequences_elsewhere(state),
    )
    return bytes(cal.to_ical())


# --------------------------------------------------------------------------- compare


@dataclass(frozen=True)
class Change:
    shift_id: str
    date: str
    label: str
    before: list[str]
    after: list[str]


def version_diff(old: PublishedVersion, new: PublishedVersion) -> list[Change]:
    """Shifts whose doctors differ from version `old` to version `new`."""
    return diff(
        instance_from_text(old.instance_yaml),
        roster_from_json(old.roster),
        instance_from_text(new.instance_yaml),
        roster_from_json(new.roster),
    )


def diff(old_inst: Instance, old: Roster, new_inst: Instance, new: Roster) -> list[Change]:
    """Shifts whose doctors differ between two rosters (names from each version)."""

    def names(inst: Instance, ids: list[str]) -> list[str]:
        return sorted(inst.doctor(d).name if inst.has_doctor(d) else d for d in ids)

    a, b = old.by_shift(), new.by_shift()
    labels = {sh.id: sh for sh in [*old_inst.shifts, *new_inst.shifts]}
    out = []
    for sid in sorted(set(a) | set(b), key=lambda x: (labels[x].t0, x) if x in labels else (0, x)):
        if sorted(a.get(sid, [])) != sorted(b.get(sid, [])):
            sh = labels.get(sid)
            out.append(
                Change(
                    shift_id=sid,
                    date=sid.split(":")[0],
                    label=sh.label if sh else sid,
                    before=names(old_inst, a.get(sid, [])),
                    after=names(new_inst, b.get(sid, [])),
                )
            )
    return out


# --------------------------------------------------------------------------- feeds


def active_token(s: Session, legevakt_id: int, doctor_id: str | None) -> FeedToken | None:
    q = select(FeedToken).where(
        FeedToken.legevakt_id == legevakt_id,
        FeedToken.revoked_at.is_(None),
        FeedToken.doctor_id.is_(None) if doctor_id is None else FeedToken.doctor_id == doctor_id,
    )
    return s.scalar(q.order_by(FeedToken.id.desc()).limit(1))


def _new_token(s: Session, legevakt_id: int, doctor_id: str | None) -> FeedToken:
    token = new_feed_token()
    t = FeedToken(
        legevakt_id=legevakt_id,
        doctor_id=doctor_id,
        token=token,
        token_hash=token_hash(token),
        created_at=utcnow(),
    )
    s.add(t)
    return t


def ensure_feed_tokens(s: Session, row: LegevaktRow, instance: Instance, username: str) -> int:
    """A feed token for every doctor (and the legevakt) that has none. Returns how many new."""
    made = 0
    for doctor_id in [None, *(d.id for d in instance.doctors)]:
        if active_token(s, row.id, doctor_id) is None:
            _new_token(s, row.id, doctor_id)
            made += 1
    if made:
        audit(s, username, "kalenderlenker_laget", words.count(made, "ny lenke", "nye lenker"), row)
    return made


def rotate_token(s: Session, row: LegevaktRow, doctor_id: str | None, username: str) -> FeedToken:
    revoke_token(s, row, doctor_id, username, quiet=True)
    t = _new_token(s, row.id, doctor_id)
    audit(s, username, "kalenderlenke_fornyet", _whose(row, doctor_id), row)
    return t


def revoke_token(
    s: Session, row: LegevaktRow, doctor_id: str | None, username: str, quiet: bool = False
) -> int:
    n = 0
    now = utcnow()
    for t in s.scalars(
        select(FeedToken).where(
            FeedToken.legevakt_id == row.id,
            FeedToken.revoked_at.is_(None),
            FeedToken.doctor_id.is_(None)
            if doctor_id is None
            else FeedToken.doctor_id == doctor_id,
        )
    ):
        t.revoked_at = now
        n += 1
    if not quiet:
        audit(s, username, "kalenderlenke_trukket", _whose(row, doctor_id), row)
    return n


def _whose(row: LegevaktRow, doctor_id: str | None) -> str:
    return words.doctor_name(instance_from_text(row.instance_yaml), doctor_id)


def find_feed(s: Session, token: str) -> FeedToken | None:
    """The live token row for a presented token, or None. Looked up by hash, compared in
    constant time, revoked tokens never match."""
    if not token or len(token) > 128:
        return None
    row = s.scalar(select(FeedToken).where(FeedToken.token_hash == token_hash(token)))
    if row is None or row.revoked_at is not None or not tokens_equal(row.token, token):
        return None
    return row


def audit_entries(s: Session, row: LegevaktRow, limit: int = 200) -> list[AuditEntry]:
    return list(
        s.scalars(
            select(AuditEntry)
            .where(AuditEntry.legevakt_id == row.id)
            .order_by(AuditEntry.id.desc())
            .limit(limit)
        )
    )
