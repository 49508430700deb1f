"""Synthetic follow-up forms (uppföljningsformulär) for the agreements in generated register deliveries.

Twice a year the parties of every agreement with a half-yearly follow-up cadence send in one form
(``docs/contracts/followup_form.md``). This module reads register deliveries written by
:mod:`ingestion.synthetic.register` and writes the forms those agreements would have sent:

* who owes a form: cadence ``halvar``, status ``tecknad``/``reviderad`` and validity overlapping the
  half-year, judged by the latest snapshot on or before the half-year's last day (central agreements
  cover no municipality, so they owe a form but never send one). About 85 % of owed
  forms arrive, most before the due date (H1: 31 August, H2: end of February), about 10 % late; a few
  agreements with a yearly cadence (``ar``) send one anyway, and about 5 % of forms are corrected later
  (a second version with some changed numbers);
* both channels: one Excel workbook per form (free-form file names) for about 60 %, bulk CSV exports
  from the web tool (``uppfoljning_export_<YYYYMMDDTHHMM>.csv``, long format) for the rest;
* the quirks of hand-filled workbooks: extra sheets, labels in upper case or with trailing spaces, a
  blank row that shifts ``Uppgifter``, numbers stored as text, real date cells, municipality codes that
  lost their leading zero or are written as names, many spellings of the half-year, personal names in
  the list of participating parties;
* consistent content: goals whose outcome and assessment agree with the unit and target, the twelve
  assessment questions, participants per target group and sex (and age group and birth region in
  template ``2024.1``) that always obey the contract's rules, a collaboration level that drifts slowly;
* ``n_bad`` workbooks in ``invalid/`` that each break one rule.

The workbook's document property ``modified`` (UTC) is set to the submission time: it is what the
warehouse uses as the submission time. Everything is drawn from one ``random.Random(seed)``, so a seed
always gives the same file names and the same CSV bytes (workbook zips carry the time they were written).
"""

from __future__ import annotations

import argparse
import copy
import csv
import io
import json
import random
import re
import zipfile
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.writer.excel import ExcelWriter

from ingestion.sources.followup_forms.contract import EXPORT_COLUMNS
from ingestion.synthetic.register import (
    AGREEMENTS,
    MUNICIPALITIES,
    SIGNED,
    TARGET_GROUPS,
    TRAIT_GROUPS,
    Municipality,
    encode_csv,
    load_municipalities,
)

TEMPLATE_2023 = "2023.1"
TEMPLATE_2024 = "2024.1"
FIRST_2024_PERIOD = "2024H1"  # template 2024.1 is in use from this half-year on

SHEET_INFO = "Uppgifter"
SHEET_GOALS = "Mål"
SHEET_ASSESSMENT = "Bedömning"
SHEET_PARTICIPANTS = "Deltagare"

INFO_LABELS = [
    "Överenskommelse-ID",
    "Överenskommelsens namn",
    "Kommun(er)",
    "Period",
    "Datum för uppföljningsmötet",
    "Deltagande parter",
    "Mallversion",
    "Samverkansnivå",
]
GOAL_HEADER = ["Nr", "Mål", "Målgrupp", "Indikator", "Enhet", "Målvärde", "Utfall", "Bedömning", "Kommentar"]
ASSESSMENT_HEADER = ["Fråga", "Frågetext", "Svar", "Kommentar"]
PARTICIPANT_COUNTS = ["Deltagare", "Nya", "Avslutade", "Till arbete", "Till studier"]
PARTICIPANT_HEADER = {
    TEMPLATE_2023: ["Målgrupp", "Kön", *PARTICIPANT_COUNTS],
    TEMPLATE_2024: ["Målgrupp", "Kön", "Åldersgrupp", "Födelseregion", *PARTICIPANT_COUNTS],
}
GOAL_FIELDS = ["mal", "malgrupp", "indikator", "enhet", "malvarde", "utfall", "bedomning", "kommentar"]
COUNT_FIELDS = ["deltagare", "nya", "avslutade", "till_arbete", "till_studier"]

QUESTIONS = {
    "F1": "Vi har gjort en gemensam analys av målgruppernas behov.",
    "F2": "Vi har gjort en gemensam analys av den lokala arbetsmarknadens kompetensbehov.",
    "F3": "Målen i överenskommelsen är uppföljningsbara.",
    "F4": "Ansvarsfördelningen mellan parterna är tydlig.",
    "F5": "Det finns fungerande forum för samverkan på strategisk nivå.",
    "F6": "Det finns fungerande forum för samverkan på operativ nivå.",
    "F7": "Parterna känner till vem de ska kontakta hos den andra parten.",
    "F8": "Informationsutbytet om enskilda individer fungerar.",
    "F9": "Arbetsgivare är delaktiga i samverkan.",
    "F10": "Insatser som parterna bedömt som verkningsfulla används i den omfattning som behövs.",
    "F11": "Samverkan har bidragit till att individer kommit närmare arbete eller studier.",
    "F12": "Parterna avsätter tillräckliga resurser för samverkan.",
}
CANNOT_ASSESS = "Kan inte bedöma"
LEVELS = ["Samtal", "Samsyn", "Samverkan", "Samhandling"]
SEXES = [("Kvinnor", "K"), ("Män", "M")]
AGE_GROUPS = ["16-24", "25-29", "30-64"]
BIRTH_REGIONS = ["Sverige", "Utrikes"]
YOUNG_GROUPS = {"unga", "unga_utan_gymnasieexamen"}
FOREIGN_GROUPS = {"nyanlanda", "asylsokande", "utrikes_fodda_kvinnor"}

# (goal, target group: "group" = one of the agreement's groups, a code = only when the agreement has it,
#  "" = about the collaboration itself), indicator, unit, target range or ja/nej target
GOAL_CATALOG: list[tuple[str, str, str, str, tuple[int, int] | str]] = [
    (
        "Fler i målgruppen ska gå vidare till arbete eller studier",
        "group",
        "Andel avslutade till arbete eller studier",
        "andel",
        (30, 60),
    ),
    ("Gemensam målgruppsanalys ska genomföras årligen", "", "Analys genomförd", "ja/nej", "ja"),
    ("Fler arbetsgivare ska delta i jobbspår", "arbetsgivare", "Antal arbetsgivare", "antal", (5, 30)),
    ("Fler deltagare i gemensamma insatser", "group", "Antal deltagare", "antal", (20, 150)),
    ("Fler unga ska påbörja studier", "unga", "Andel avslutade till studier", "andel", (10, 35)),
    ("Gemensam handlingsplan ska beslutas av styrgruppen", "", "Handlingsplan beslutad", "ja/nej", "ja"),
    ("Regelbundna möten i den operativa samverkansgruppen", "", "Antal möten under halvåret", "antal", (4, 8)),
    (
        "Fler utrikes födda kvinnor ska komma i arbete",
        "utrikes_fodda_kvinnor",
        "Andel avslutade till arbete",
        "andel",
        (20, 45),
    ),
    (
        "Ingen i målgruppen ska vänta mer än 30 dagar på en insats",
        "group",
        "Andel som fått insats inom 30 dagar",
        "andel",
        (70, 95),
    ),
    ("Gemensam analys av arbetsgivarnas kompetensbehov", "arbetsgivare", "Analys genomförd", "ja/nej", "ja"),
]
GOAL_COMMENTS = [
    "Genomförd i mars",
    "Uppgifterna kommer från kommunens verksamhetssystem",
    "Svårt att mäta; statistiken saknas för del av perioden",
    'Vi räknar "avslutade" som i Af:s statistik',
    "Ny samordnare från april.\nUppföljning vid nästa möte.",
    "Arbetet har försenats av omorganisation",
    "Målet nås under hösten enligt plan",
    "Se bilaga till protokollet, punkt 4",
]
ASSESSMENT_COMMENTS = [
    "Behöver utvecklas",
    "Fungerar bra på operativ nivå; sämre strategiskt",
    "Nytt forum startat i höstas",
    "Arbetsgivarna deltar i jobbspåren",
    "Resurserna räcker inte till alla delar",
    'Oklart vem som "äger" frågan',
]
ROLES = [
    "Af enhetschef",
    "Af sektionschef",
    "Af verksamhetsutvecklare",
    "Af arbetsförmedlare",
    "kommunens arbetsmarknadschef",
    "socialchef",
    "utvecklingsledare",
    "samordnare för det kommunala aktivitetsansvaret",
    "rektor vuxenutbildningen",
    "strateg för kompetensförsörjning",
    "representant för samordningsförbundet",
    "enhetschef försörjningsstöd",
]
# Obviously made-up names, for the forms that name people although they must not.
FAKE_NAMES = [
    "Maria Exempelsson",
    "Anders Påhittad",
    "Karin Testsson",
    "Olle Fiktivsson",
    "Lena Provberg",
    "Sven Exempel",
    "Anna Låtsasson",
]
INSTRUCTIONS = (
    "Fyll i ett formulär per överenskommelse och halvår. Skicka till uppfoljning@example.se. Mallen får inte ändras."
)
INVALID_DIR = "invalid"
BAD_KINDS = [
    ("unknown_agreement", "okänd överenskommelse", "the agreement id is not in the register"),
    ("period_not_ended", None, "the period has not ended (it ends years after the form was sent)"),
    ("sums", "fel i siffror", "Deltagare: Till arbete + Till studier exceed Avslutade on one row"),
    ("missing_sheet", "utan deltagare", "the sheet Deltagare is missing"),
    ("answer_out_of_scale", "fel svar", "Bedömning: an answer 7, outside 1-5"),
    ("new_exceed", "fler nya", "Deltagare: Nya exceed Deltagare on one row"),
]
LOCAL_TIME = ZoneInfo("Europe/Stockholm")  # the web tool writes Swedish local time, without an offset
SNAPSHOT_NAME = re.compile(r"overenskommelser_(\d{4}-\d{2}-\d{2})(\.zip)?")
UNSAFE_IN_FILE_NAMES = re.compile(r'[\\/:*?"<>|\n\r\t]+')


# ---------------------------------------------------------------- periods
def period_bounds(period: str) -> tuple[date, date]:
    """First and last day of a canonical half-year (``2024H1`` → 2024-01-01, 2024-06-30)."""
    year, half = int(period[:4]), period[4:]
    if half == "H1":
        return date(year, 1, 1), date(year, 6, 30)
    if half == "H2":
        return date(year, 7, 1), date(year, 12, 31)
    raise ValueError(f"not a half-year period: {period!r}")


def period_of(day: date) -> str:
    return f"{day.year}H{1 if day.month <= 6 else 2}"


def next_period(period: str) -> str:
    year, half = int(period[:4]), period[4:]
    return f"{year}H2" if half == "H1" else f"{year + 1}H1"


def due_date(period: str) -> date:
    """H1 forms are due by 31 August, H2 forms by the last day of February the following year."""
    year, half = int(period[:4]), period[4:]
    return date(year, 8, 31) if half == "H1" else date(year + 1, 3, 1) - timedelta(days=1)


def default_periods(snapshot_dates: list[date]) -> list[str]:
    """From the first snapshot's half-year to the last half-year that ended before the last snapshot."""
    periods, period = [], period_of(min(snapshot_dates))
    while period_bounds(period)[1] < max(snapshot_dates):
        periods.append(period)
        period = next_period(period)
    return periods


def spell_period(rng: random.Random, period: str, style: int | None = None) -> str:
    """A hand-written spelling of the half-year (the spellings listed in the contracts README)."""
    year, first = period[:4], period.endswith("H1")
    spellings = [
        f"{'VT' if first else 'HT'} {year}",
        f"{'Vår' if first else 'Höst'} {year}",
        f"{year} {'vår' if first else 'höst'}",
        f"{year}-{1 if first else 2}",
        f"{year}:{1 if first else 2}",
        period,
    ]
    return spellings[style if style is not None else rng.randrange(len(spellings))]


def _file_period(rng: random.Random, period: str) -> str:
    year, first = period[:4], period.endswith("H1")
    return rng.choice(
        [
            f"{'VT' if first else 'HT'}{year}",
            f"{'VT' if first else 'HT'} {year}",
            f"{'vår' if first else 'höst'} {year}",
            period,
        ]
    )


# ---------------------------------------------------------------- the register
@dataclass(frozen=True)
class RegisterAgreement:
    """What the forms need from one agreement in one register snapshot."""

    id: str
    namn: str
    niva: str
    lanskod: str
    status: str
    uppfoljning: str
    start: date | None  # giltig_from, or tecknad_datum when that is unknown
    end: date | None  # giltig_tom
    kommuner: tuple[str, ...]  # 4-digit codes
    malgrupper: tuple[str, ...]

    def in_force(self, period: str) -> bool:
        """Signed and valid for at least a day of the half-year."""
        first, last = period_bounds(period)
        return (
            self.status in SIGNED
            and (self.start is None or self.start <= last)
            and (self.end is None or self.end >= first)
        )


def _date(text: str) -> date | None:
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        return None


def _read_tables(source: Path) -> dict[str, list[dict[str, str]]]:
    """The register files of one delivery (a folder or a .zip holding the folder)."""
    texts: dict[str, str] = {}
    if source.suffix == ".zip":
        with zipfile.ZipFile(source) as archive:
            for name in archive.namelist():
                texts[Path(name).name] = archive.read(name).decode("utf-8-sig")
    else:
        for name in (AGREEMENTS, MUNICIPALITIES, TARGET_GROUPS):
            if (source / name).is_file():
                texts[name] = (source / name).read_text(encoding="utf-8-sig")
    return {name: list(csv.DictReader(io.StringIO(text, newline=""), delimiter=";")) for name, text in texts.items()}


def read_register(register_dir: Path) -> dict[date, dict[str, RegisterAgreement]]:
    """Every delivery ``overenskommelser_YYYY-MM-DD`` (folder or .zip) in ``register_dir``, by snapshot date."""
    snapshots: dict[date, dict[str, RegisterAgreement]] = {}
    for source in sorted(Path(register_dir).iterdir()):
        match = SNAPSHOT_NAME.fullmatch(source.name)
        if not match:
            continue
        tables = _read_tables(source)
        kommuner: dict[str, list[str]] = {}
        for row in tables.get(MUNICIPALITIES, []):
            code = (row.get("kommunkod") or "").strip().zfill(4)
            kommuner.setdefault(row["overenskommelse_id"].strip(), []).append(code)
        groups: dict[str, list[str]] = {}
        for row in tables.get(TARGET_GROUPS, []):
            groups.setdefault(row["overenskommelse_id"].strip(), []).append(row["malgrupp"].strip())
        agreements: dict[str, RegisterAgreement] = {}
        for row in tables.get(AGREEMENTS, []):
            agreement_id = row["overenskommelse_id"].strip()
            agreements.setdefault(
                agreement_id,
                RegisterAgreement(
                    agreement_id,
                    row["namn"].strip(),
                    row["niva"].strip(),
                    row["lanskod"].strip(),
                    row["status"].strip(),
                    row["uppfoljning"].strip(),
                    _date(row["giltig_from"]) or _date(row["tecknad_datum"]),
                    _date(row["giltig_tom"]),
                    tuple(dict.fromkeys(kommuner.get(agreement_id, []))),
                    tuple(groups.get(agreement_id, [])),
                ),
            )
        snapshots[date.fromisoformat(match.group(1))] = agreements
    if not snapshots:
        raise FileNotFoundError(f"no register deliveries (overenskommelser_YYYY-MM-DD) in {register_dir}")
    return snapshots


# ---------------------------------------------------------------- forms
@dataclass
class Goal:
    nr: int
    mal: str
    malgrupp: str
    indikator: str
    enhet: str
    malvarde: int | float | str
    utfall: int | float | str | None
    bedomning: str
    kommentar: str = ""


@dataclass
class ParticipantRow:
    malgrupp: str
    kon: str  # Kvinnor / Män
    aldersgrupp: str  # "" in template 2023.1
    fodelseregion: str  # "" in template 2023.1
    deltagare: int
    nya: int
    avslutade: int
    till_arbete: int
    till_studier: int

    def counts(self) -> list[int]:
        return [self.deltagare, self.nya, self.avslutade, self.till_arbete, self.till_studier]


@dataclass
class Form:
    """One submitted version of the form for one agreement and half-year."""

    agreement_id: str
    namn: str
    period: str
    template: str
    kommuner: list[str]  # 4-digit codes
    motesdatum: date
    parter: str
    samverkansniva: str
    goals: list[Goal]
    answers: list[tuple[str, int | str, str]]  # (question code, 1-5 or "Kan inte bedöma", comment)
    participants: list[ParticipantRow]
    submitted: datetime  # UTC, naive
    owed: bool = True
    late: bool = False
    correction: bool = False
    channel: str = "xlsx"  # xlsx or csv
    form_id: str = ""  # the web tool's id (csv channel only)
    file: str = ""  # workbook file name (xlsx channel only)
    exports: list[str] = field(default_factory=list)

    def summary(self) -> dict:
        return {
            "agreement_id": self.agreement_id,
            "period": self.period,
            "template": self.template,
            "submitted": self.submitted.isoformat(sep=" "),
            "channel": self.channel,
            "form_id": self.form_id,
            "file": self.file,
            "exports": list(self.exports),
            "owed": self.owed,
            "late": self.late,
            "correction": self.correction,
        }


@dataclass
class _Plan:
    """What stays the same for one agreement from half-year to half-year."""

    goals: list[tuple[str, str, str, str, int | str]]  # catalog entry with its target drawn
    sizes: dict[str, int]  # usual participants per target group and sex in a half-year
    level: int
    step_up: int | None  # index of the period from which the level is one step higher
    maturity: float
    channel: str
    straggler: float  # chance of still using template 2023.1 from 2024H1
    period_style: int
    kommun_style: str  # codes, nozero, names
    roles: list[str]
    file_style: int


class _Forms:
    """Builds form content; one instance per generation run, drawing from one random generator."""

    def __init__(self, rng: random.Random, municipalities: list[Municipality]) -> None:
        self.rng = rng
        self.municipalities = municipalities
        self.by_code = {m.code: m for m in municipalities}
        self.by_county: dict[str, list[str]] = {}
        for m in municipalities:
            self.by_county.setdefault(m.county, []).append(m.code)
        self.plans: dict[str, _Plan] = {}

    # ------------------------------------------------------------ per agreement
    def plan(self, agreement_id: str, groups: list[str], n_periods: int) -> _Plan:
        if agreement_id in self.plans:
            return self.plans[agreement_id]
        rng = self.rng
        goals: list[tuple[str, str, str, str, int | str]] = []
        n_goals = rng.choice((2, 3, 3, 4))
        for text, group, indicator, unit, target in rng.sample(GOAL_CATALOG, len(GOAL_CATALOG)):
            if len(goals) == n_goals:
                break
            if group not in ("", "group") and group not in groups:
                continue
            drawn = target if isinstance(target, str) else rng.randint(*target)
            if unit == "antal" and isinstance(drawn, int) and drawn > 20:
                drawn = round(drawn, -1)
            elif unit == "andel" and isinstance(drawn, int):
                drawn = 5 * round(drawn / 5)
            goals.append((text, group, indicator, unit, drawn))
        level = rng.choices(range(4), [15, 35, 40, 10])[0]
        step_up = rng.randrange(1, n_periods) if n_periods > 1 and level < 3 and rng.random() < 0.35 else None
        groups_without_employers = [g for g in groups if g != "arbetsgivare"] or ["behovsbaserad"]
        plan = _Plan(
            goals=goals,
            sizes={g: rng.randint(3, 60) for g in groups_without_employers},
            level=level,
            step_up=step_up,
            maturity=2.6 + 0.35 * level + rng.uniform(-0.4, 0.4),
            channel="xlsx" if rng.random() < 0.6 else "csv",
            straggler=0.8 if rng.random() < 0.12 else 0.0,
            period_style=rng.randrange(6),
            kommun_style=rng.choices(["codes", "nozero", "names"], [60, 15, 25])[0],
            roles=rng.sample(ROLES, rng.randint(2, 4)),
            file_style=rng.randrange(5),
        )
        self.plans[agreement_id] = plan
        return plan

    def municipalities_of(self, agreement: RegisterAgreement) -> list[str]:
        """The codes a form names: the register's, or all of the county's for a regional agreement without."""
        if not agreement.kommuner and agreement.niva == "regional" and agreement.lanskod in self.by_county:
            return list(self.by_county[agreement.lanskod])
        return list(agreement.kommuner)

    # ------------------------------------------------------------ content
    def build(
        self,
        agreement: RegisterAgreement,
        period: str,
        period_index: int,
        n_periods: int,
        submitted: datetime,
        template: str | None = None,
    ) -> Form:
        rng = self.rng
        groups = list(agreement.malgrupper)
        plan = self.plan(agreement.id, groups, n_periods)
        if template is None:
            template = TEMPLATE_2023 if period < FIRST_2024_PERIOD else TEMPLATE_2024
            if template == TEMPLATE_2024 and rng.random() < plan.straggler:
                template = TEMPLATE_2023
            if template == TEMPLATE_2024 and plan.straggler:
                plan.straggler /= 2
        kommuner = self.municipalities_of(agreement)
        level = min(3, plan.level + (1 if plan.step_up is not None and period_index >= plan.step_up else 0))
        meeting = max(
            period_bounds(period)[1] + timedelta(days=3), submitted.date() - timedelta(days=rng.randint(1, 21))
        )
        return Form(
            agreement_id=agreement.id,
            namn=agreement.namn,
            period=period,
            template=template,
            kommuner=kommuner,
            motesdatum=meeting,
            parter=self.parter(plan),
            samverkansniva=LEVELS[level],
            goals=[self.goal(i + 1, spec, plan) for i, spec in enumerate(plan.goals)],
            answers=[self.answer(code, plan) for code in QUESTIONS],
            participants=self.participants(plan, template),
            submitted=submitted,
        )

    def parter(self, plan: _Plan) -> str:
        rng = self.rng
        roles = list(plan.roles)
        if rng.random() < 0.2:
            roles = rng.sample(ROLES, rng.randint(2, 4))
        if rng.random() < 0.07:  # a personal name next to a role, although the form says roles only
            i = rng.randrange(len(roles))
            roles[i] = f"{roles[i]} {rng.choice(FAKE_NAMES)}"
        return ("; " if rng.random() < 0.8 else ", ").join(roles)

    def goal(self, nr: int, spec: tuple[str, str, str, str, int | str], plan: _Plan) -> Goal:
        rng = self.rng
        text, group, indicator, unit, target = spec
        malgrupp = rng.choice(list(plan.sizes)) if group == "group" else group
        comment = rng.choice(GOAL_COMMENTS) if rng.random() < 0.25 else ""
        if rng.random() < 0.07:
            return Goal(nr, text, malgrupp, indicator, unit, target, None, CANNOT_ASSESS, comment)
        return Goal(nr, text, malgrupp, indicator, unit, target, *self.outcome(unit, target), comment)

    def outcome(self, unit: str, target: int | float | str) -> tuple[int | float | str, str]:
        """An outcome for the unit and the assessment that goes with it."""
        rng = self.rng
        if unit == "ja/nej":
            value: int | float | str = "ja" if rng.random() < 0.75 else "nej"
            return value, "Uppnått" if value == target else "Ej uppnått"
        assert isinstance(target, int | float)
        if unit == "andel":
            value = min(100.0, max(0.0, rng.gauss(target * 1.0, target * 0.2)))
            value = round(value, 1) if rng.random() < 0.3 else round(value)
        else:
            value = max(0, round(target * rng.uniform(0.5, 1.4)))
        ratio = value / target if target else 1.0
        return value, "Uppnått" if ratio >= 1 else ("Delvis uppnått" if ratio >= 0.7 else "Ej uppnått")

    def answer(self, code: str, plan: _Plan) -> tuple[str, int | str, str]:
        rng = self.rng
        comment = rng.choice(ASSESSMENT_COMMENTS) if rng.random() < 0.06 else ""
        if rng.random() < 0.05:
            return code, CANNOT_ASSESS, comment
        return code, min(5, max(1, round(rng.gauss(plan.maturity, 0.9)))), comment

    def participants(self, plan: _Plan, template: str) -> list[ParticipantRow]:
        rng = self.rng
        rows = []
        for group, size in plan.sizes.items():
            ages = [0.75, 0.2, 0.05] if group in YOUNG_GROUPS else [0.15, 0.2, 0.65]
            abroad = 0.95 if group in FOREIGN_GROUPS else 0.4
            for sex, _ in SEXES:
                scale = 0.0 if group == "utrikes_fodda_kvinnor" and sex == "Män" else rng.uniform(0.6, 1.4)
                if template == TEMPLATE_2023:
                    rows.append(self.counts(group, sex, "", "", size * scale))
                    continue
                for age, age_share in zip(AGE_GROUPS, ages, strict=True):
                    for region in BIRTH_REGIONS:
                        share = abroad if region == "Utrikes" else 1 - abroad
                        rows.append(self.counts(group, sex, age, region, size * scale * age_share * share * 1.2))
        return rows

    def counts(self, group: str, sex: str, age: str, region: str, mean: float) -> ParticipantRow:
        rng = self.rng
        deltagare = max(0, round(rng.gauss(mean, mean * 0.3))) if mean > 0 else 0
        nya = round(deltagare * rng.uniform(0.2, 0.7))
        avslutade = round(deltagare * rng.uniform(0.1, 0.6))
        arbete = round(avslutade * rng.uniform(0.2, 0.6))
        studier = min(avslutade - arbete, round(avslutade * rng.uniform(0.0, 0.25)))
        return ParticipantRow(group, sex, age, region, deltagare, nya, avslutade, arbete, studier)

    def correct(self, form: Form, submitted: datetime) -> Form:
        """A second version of a form: the same meeting, some numbers changed."""
        rng = self.rng
        fixed = copy.deepcopy(form)
        fixed.submitted, fixed.correction, fixed.late = submitted, True, False
        fixed.form_id, fixed.file, fixed.exports = "", "", []
        measured = [g for g in fixed.goals if g.enhet != "ja/nej"]
        if measured and rng.random() < 0.7:
            goal = rng.choice(measured)
            goal.utfall, goal.bedomning = self.outcome(goal.enhet, goal.malvarde)
        filled = [r for r in fixed.participants if r.deltagare > 0]
        for row in rng.sample(filled, min(len(filled), rng.randint(1, 3))):
            new = self.counts(row.malgrupp, row.kon, row.aldersgrupp, row.fodelseregion, row.deltagare * 1.15)
            fixed.participants[fixed.participants.index(row)] = new
        if rng.random() < 0.4:
            i = rng.randrange(len(fixed.answers))
            code, _, comment = fixed.answers[i]
            fixed.answers[i] = (code, rng.randint(1, 5), comment)
        return fixed


# ---------------------------------------------------------------- timing
def _clock(rng: random.Random, day: date) -> datetime:
    """A time during office hours (UTC) on ``day``."""
    return datetime.combine(day, time(6, 30)) + timedelta(seconds=rng.randint(0, 10 * 3600))


def _submission(rng: random.Random, period: str, late: bool) -> datetime:
    """Most forms arrive in the weeks before the due date; late ones up to ten weeks after it."""
    due = due_date(period)
    if late:
        day = due + timedelta(days=rng.randint(1, 70))
        while day.weekday() >= 5:
            day += timedelta(days=1)
    else:
        day = due - timedelta(days=round(rng.triangular(0, 45, 2)))
        while day.weekday() >= 5:
            day -= timedelta(days=1)
    return _clock(rng, day)


# ---------------------------------------------------------------- writing workbooks
def _text_number(value: int | float) -> str:
    """A number as a Swedish Excel user types it into a text cell."""
    return str(value).replace(".", ",")


def _number(value: int | float) -> str:
    """A number as the web tool exports it: decimal comma."""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return _text_number(value)


@dataclass
class _Quirks:
    instructions: bool = False
    blad1: bool = False
    label_style: str = "plain"  # plain, upper, trailing
    blank_row_at: int | None = None  # index in INFO_LABELS before which a blank row is inserted
    numbers_as_text: bool = False
    date_cell: bool = True
    kommun_style: str = "codes"
    period_style: int | None = None
    level_lower: bool = False
    empty_zeros: bool = False
    drop_sheet: str | None = None

    @classmethod
    def draw(cls, rng: random.Random, plan: _Plan | None = None) -> _Quirks:
        return cls(
            instructions=rng.random() < 0.15,
            blad1=rng.random() < 0.1,
            label_style=rng.choices(["plain", "upper", "trailing"], [80, 10, 10])[0],
            blank_row_at=rng.randint(1, 7) if rng.random() < 0.12 else None,
            numbers_as_text=rng.random() < 0.2,
            date_cell=rng.random() < 0.6,
            kommun_style=plan.kommun_style
            if plan and rng.random() < 0.85
            else rng.choices(["codes", "nozero", "names"], [60, 15, 25])[0],
            period_style=plan.period_style if plan and rng.random() < 0.8 else None,
            level_lower=rng.random() < 0.08,
            empty_zeros=rng.random() < 0.1,
        )


def _kommuner_text(kommuner: list[str], style: str, by_code: dict[str, Municipality]) -> str:
    if style == "names" and all(code in by_code for code in kommuner):
        return ", ".join(by_code[code].short for code in kommuner)
    if style == "nozero":
        return ", ".join(code.lstrip("0") if code.startswith("0") else code for code in kommuner)
    return ", ".join(kommuner)


def _label(label: str, style: str, index: int) -> str:
    if style == "upper" and index < 3:
        return label.upper() + "  "
    if style == "trailing":
        return label + " "
    return label


def write_workbook(
    path: Path,
    form: Form,
    quirks: _Quirks,
    rng: random.Random,
    by_code: dict[str, Municipality],
    period_text: str | None = None,
) -> Path:
    """Write one form as a workbook (write-only mode) with ``modified`` set to the submission time."""
    wb = Workbook(write_only=True)
    if quirks.instructions:
        wb.create_sheet("Instruktioner").append([INSTRUCTIONS])
    info = wb.create_sheet(SHEET_INFO)
    meeting: object = form.motesdatum.isoformat()
    if quirks.date_cell:
        cell = WriteOnlyCell(info, value=datetime.combine(form.motesdatum, time()))
        cell.number_format = "yyyy-mm-dd"
        meeting = cell
    level = form.samverkansniva.lower() if quirks.level_lower else form.samverkansniva
    values = [
        form.agreement_id,
        form.namn or None,
        _kommuner_text(form.kommuner, quirks.kommun_style, by_code),
        period_text or spell_period(rng, form.period, quirks.period_style),
        meeting,
        form.parter,
        form.template,
        level,
    ]
    for index, (label, value) in enumerate(zip(INFO_LABELS, values, strict=True)):
        if quirks.blank_row_at == index:
            info.append([])
        info.append([_label(label, quirks.label_style, index), value])

    def num(value: int | float | str | None) -> int | float | str | None:
        if quirks.numbers_as_text and isinstance(value, int | float):
            return _text_number(value)
        return value

    goals = wb.create_sheet(SHEET_GOALS)
    goals.append(GOAL_HEADER)
    for g in form.goals:
        goals.append(
            [
                num(g.nr),
                g.mal,
                g.malgrupp or None,
                g.indikator,
                g.enhet,
                num(g.malvarde),
                num(g.utfall),
                g.bedomning,
                g.kommentar or None,
            ]
        )
    assessment = wb.create_sheet(SHEET_ASSESSMENT)
    assessment.append(ASSESSMENT_HEADER)
    for code, answer, comment in form.answers:
        assessment.append([code, QUESTIONS.get(code, ""), num(answer), comment or None])
    if quirks.drop_sheet != SHEET_PARTICIPANTS:
        participants = wb.create_sheet(SHEET_PARTICIPANTS)
        participants.append(PARTICIPANT_HEADER[form.template])
        for r in form.participants:
            keys = [r.malgrupp, r.kon] + ([r.aldersgrupp, r.fodelseregion] if form.template == TEMPLATE_2024 else [])
            counts: list[int | None] = r.counts()
            if quirks.empty_zeros:  # empty means 0 in Nya, Till arbete and Till studier
                counts = [None if (i in (1, 3, 4) and c == 0) else c for i, c in enumerate(counts)]
            participants.append(keys + counts)
    if quirks.blad1:
        wb.create_sheet("Blad1")
    wb.properties.modified = form.submitted
    wb.properties.created = form.submitted - timedelta(days=rng.randint(0, 12), minutes=rng.randint(5, 600))
    wb.properties.creator = "Arbetsförmedlingen"
    # Workbook.save() would stamp "modified" with the current time; the writer itself keeps ours.
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, allowZip64=True) as archive:
        ExcelWriter(wb, archive).save()
    return path


def _safe(text: str) -> str:
    return re.sub(r"\s+", " ", UNSAFE_IN_FILE_NAMES.sub(" ", text)).strip(" .")


def _place(form: Form, by_code: dict[str, Municipality]) -> str:
    known = [by_code[c].short for c in form.kommuner if c in by_code]
    if len(known) == 1:
        return known[0]
    if known:
        return f"{known[0]} m.fl." if len(known) > 3 else " ".join(known)
    return form.agreement_id


def _file_name(rng: random.Random, form: Form, style: int, by_code: dict[str, Municipality]) -> str:
    place = _place(form, by_code)
    if style == 0:
        name = f"Uppföljning {place} {_file_period(rng, form.period)}"
    elif style == 1:
        name = f"{place.lower().replace(' ', '_')}_{form.period}"
    elif style == 2:
        name = f"Uppföljning {form.namn[:60].strip() or place} {_file_period(rng, form.period)}"
    elif style == 3:
        name = f"{form.agreement_id} {form.period}"
    else:
        name = f"uppföljning {_file_period(rng, form.period)} {place}"
    return _safe(name)


def _unique(folder: Path, stem: str, taken: set[str], suffixes: tuple[str, ...] = ()) -> str:
    """``stem.xlsx``, or with one of ``suffixes`` or `` (2)``, `` (3)``… when the name is taken."""
    for candidate in [stem, *(f"{stem}{s}" for s in suffixes), *(f"{stem} ({n})" for n in range(2, 1000))]:
        name = f"{candidate}.xlsx"
        if name.lower() not in taken:
            taken.add(name.lower())
            return name
    raise RuntimeError(f"no free file name for {stem} in {folder}")  # pragma: no cover


# ---------------------------------------------------------------- writing exports
def local_time(moment: datetime) -> datetime:
    """A naive UTC time as the web tool writes it: naive Swedish local time."""
    return moment.replace(tzinfo=UTC).astimezone(LOCAL_TIME).replace(tzinfo=None)


def export_rows(form: Form) -> list[list[str]]:
    """The long rows of one form in a bulk export, as the contract lays them out."""
    head = [
        form.form_id,
        local_time(form.submitted).strftime("%Y-%m-%d %H:%M:%S"),
        form.agreement_id,
        form.period,
        form.template,
    ]
    rows = [
        head + ["uppgifter", key, "varde", value]
        for key, value in (
            ("kommuner", ", ".join(form.kommuner)),
            ("motesdatum", form.motesdatum.isoformat()),
            ("parter", form.parter),
            ("samverkansniva", form.samverkansniva),
        )
    ]
    for g in form.goals:
        values = [g.mal, g.malgrupp, g.indikator, g.enhet, g.malvarde, g.utfall, g.bedomning, g.kommentar]
        for name, value in zip(GOAL_FIELDS, values, strict=True):
            text = "" if value is None else _number(value) if isinstance(value, int | float) else value
            rows.append(head + ["mal", str(g.nr), name, text])
    for code, answer, comment in form.answers:
        rows.append(head + ["bedomning", code, "svar", str(answer)])
        if comment:
            rows.append(head + ["bedomning", code, "kommentar", comment])
    sex_code = dict(SEXES)
    for r in form.participants:
        key = f"{r.malgrupp}|{sex_code[r.kon]}|{r.aldersgrupp}|{r.fodelseregion}"
        rows += [
            head + ["deltagare", key, name, str(value)] for name, value in zip(COUNT_FIELDS, r.counts(), strict=True)
        ]
    return rows


def _export_times(rng: random.Random, period: str, last: datetime) -> list[datetime]:
    """When the web tool's forms for a half-year are exported: before and after the due date, later on."""
    due = due_date(period)
    times = [
        datetime.combine(due - timedelta(days=rng.randint(10, 20)), time(7, rng.randint(0, 59))),
        datetime.combine(due + timedelta(days=rng.randint(2, 5)), time(8, rng.randint(0, 59))),
        datetime.combine(due + timedelta(days=rng.randint(30, 45)), time(8, rng.randint(0, 59))),
    ]
    if last >= times[-1]:
        times.append(datetime.combine(last.date() + timedelta(days=rng.randint(1, 7)), time(9, rng.randint(0, 59))))
    return times


def _write_exports(out_dir: Path, rng: random.Random, period: str, forms: list[Form], taken: set[str]) -> list[Path]:
    """Spread the period's web forms over a few exports; a few forms appear in two exports."""
    if not forms:
        return []
    forms = sorted(forms, key=lambda f: f.submitted)
    paths: list[Path] = []
    previous: list[Form] = []
    start = datetime.min
    for moment in _export_times(rng, period, forms[-1].submitted):
        batch = [f for f in forms if start < f.submitted <= moment]
        # The tool exports "since the last export" by day, so forms from its last days come again.
        again = [f for f in previous if f.submitted >= start - timedelta(days=2) and rng.random() < 0.5]
        start = moment
        if not batch:
            continue
        while local_time(moment).strftime("uppfoljning_export_%Y%m%dT%H%M.csv") in taken:
            moment += timedelta(minutes=1)
        name = local_time(moment).strftime("uppfoljning_export_%Y%m%dT%H%M.csv")
        taken.add(name)
        content = sorted(again + batch, key=lambda f: (f.submitted, f.form_id))
        (out_dir / name).write_bytes(encode_csv(EXPORT_COLUMNS, [row for f in content for row in export_rows(f)]))
        for f in content:
            f.exports.append(name)
        paths.append(out_dir / name)
        previous = batch
    return paths


# ---------------------------------------------------------------- bad workbooks
def _write_bad(
    out_dir: Path,
    rng: random.Random,
    builder: _Forms,
    agreements: list[RegisterAgreement],
    period: str,
    known: set[str],
    n_bad: int,
    last_year: int,
) -> dict[str, str]:
    folder = out_dir / INVALID_DIR
    folder.mkdir(parents=True, exist_ok=True)
    taken: set[str] = set()
    bad: dict[str, str] = {}
    for i in range(n_bad):
        kind, label, description = BAD_KINDS[i % len(BAD_KINDS)]
        agreement = agreements[rng.randrange(len(agreements))]
        form = builder.build(agreement, period, 0, 1, _submission(rng, period, False))
        quirks = _Quirks(date_cell=rng.random() < 0.5)
        period_text = None
        if kind == "unknown_agreement":
            n = 9999 - i
            while f"ÖK-2099-{n:04d}" in known:
                n -= 1
            form.agreement_id, form.namn = f"ÖK-2099-{n:04d}", "Överenskommelse som inte finns i registret"
        elif kind == "period_not_ended":
            form.period = f"{last_year + 6}H2"
            period_text = spell_period(rng, form.period, 0)
            label = period_text.replace(" ", "")
        elif kind == "sums":
            row = max(form.participants, key=lambda r: r.deltagare)
            row.deltagare = max(row.deltagare, 6)
            row.avslutade = min(row.deltagare, max(row.avslutade, 3))
            row.till_arbete, row.till_studier = row.avslutade, 2
        elif kind == "missing_sheet":
            quirks.drop_sheet = SHEET_PARTICIPANTS
        elif kind == "answer_out_of_scale":
            code, _, comment = form.answers[4]
            form.answers[4] = (code, 7, comment)
        elif kind == "new_exceed":
            row = max(form.participants, key=lambda r: r.deltagare)
            row.deltagare = max(row.deltagare, 4)
            row.nya = row.deltagare + 3
            row.avslutade = min(row.avslutade, row.deltagare)
            row.till_arbete = min(row.till_arbete, row.avslutade)
            row.till_studier = min(row.till_studier, row.avslutade - row.till_arbete)
        name = _unique(folder, _safe(f"Uppföljning {_place(form, builder.by_code)} {label}"), taken)
        write_workbook(folder / name, form, quirks, rng, builder.by_code, period_text)
        bad[f"{INVALID_DIR}/{name}"] = description
    return bad


# ---------------------------------------------------------------- the whole set
def generate_followup_forms(
    out_dir: Path, register_dir: Path, periods: list[str] | None = None, seed: int = 1, n_bad: int = 3
) -> dict:
    """Write the follow-up forms owed (and a few not owed) by the agreements in ``register_dir``.

    ``out_dir`` gets one workbook per form sent by e-mail and a few bulk exports per half-year, and
    ``out_dir/invalid/`` gets ``n_bad`` workbooks that each break one rule. ``periods`` are canonical
    half-years (``2024H1``); by default every half-year from the first snapshot's up to the last one
    that ended before the last snapshot date. Returns a summary: counts (``owed``, ``workbooks``,
    ``exports``, ``forms_in_exports``, ``corrections``, ``late``, ``missing``, ``bad``, ``unowed``), the
    periods, ``bad_files`` (name → the rule it breaks), ``forms`` (one entry per submitted version)
    and ``owed_forms`` (agreement, period and ``on_time``/``late``/``missing``).
    """
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    rng = random.Random(seed)
    snapshots = read_register(Path(register_dir))
    dates = sorted(snapshots)
    periods = sorted(set(periods)) if periods else default_periods(dates)
    for p in periods:
        period_bounds(p)
    builder = _Forms(rng, load_municipalities())

    forms: list[Form] = []
    owed_forms: list[dict] = []
    for index, period in enumerate(periods):
        last_day = period_bounds(period)[1]
        snapshot = max((d for d in dates if d <= last_day), default=dates[0])
        for agreement in sorted(snapshots[snapshot].values(), key=lambda a: a.id):
            if not agreement.in_force(period):
                continue
            owed = agreement.uppfoljning == "halvar"
            if owed:
                # Central agreements cover no municipality, and a form must name at least one: they owe a
                # form by the contract's rule but never send one.
                if not builder.municipalities_of(agreement) or rng.random() < 0.15:
                    owed_forms.append({"agreement_id": agreement.id, "period": period, "status": "missing"})
                    continue
                late = rng.random() < 0.11
                owed_forms.append(
                    {"agreement_id": agreement.id, "period": period, "status": "late" if late else "on_time"}
                )
            elif agreement.uppfoljning == "ar" and builder.municipalities_of(agreement) and rng.random() < 0.06:
                late = False
            else:
                continue
            form = builder.build(agreement, period, index, len(periods), _submission(rng, period, late))
            form.owed, form.late = owed, late
            plan = builder.plans[agreement.id]
            form.channel = plan.channel if rng.random() < 0.9 else ("csv" if plan.channel == "xlsx" else "xlsx")
            forms.append(form)
            if rng.random() < 0.05:
                moment = _clock(rng, form.submitted.date() + timedelta(days=rng.randint(3, 45)))
                fixed = builder.correct(form, moment)
                fixed.channel = form.channel if rng.random() < 0.85 else ("csv" if form.channel == "xlsx" else "xlsx")
                forms.append(fixed)

    # The web tool numbers its forms in the order they were submitted.
    forms.sort(key=lambda f: (f.submitted, f.agreement_id, f.period))
    web = [f for f in forms if f.channel == "csv"]
    for number, form in enumerate(web, start=10001):
        form.form_id = f"F-{number}"

    taken: set[str] = set()
    workbooks: list[Path] = []
    for form in forms:
        if form.channel != "xlsx":
            continue
        plan = builder.plans[form.agreement_id]
        stem = _file_name(rng, form, plan.file_style if rng.random() < 0.85 else rng.randrange(5), builder.by_code)
        suffixes = (" (2)", " rättad", " ny version", "_v2") if form.correction else ()
        if form.correction:
            stem = _safe(f"{stem}{rng.choice(suffixes)}")
        form.file = _unique(out_dir, stem, taken)
        workbooks.append(write_workbook(out_dir / form.file, form, _Quirks.draw(rng, plan), rng, builder.by_code))

    exports: list[Path] = []
    export_names: set[str] = set()
    for period in periods:
        exports += _write_exports(out_dir, rng, period, [f for f in web if f.period == period], export_names)

    bad_files: dict[str, str] = {}
    if n_bad > 0:
        last = periods[-1] if periods else period_of(dates[-1])
        candidates = sorted(
            (a for a in snapshots[dates[-1]].values() if builder.municipalities_of(a)), key=lambda a: a.id
        ) or [RegisterAgreement("ÖK-2099-0000", "", "lokal", "", "tecknad", "halvar", None, None, ("0180",), ())]
        known = {a for snapshot in snapshots.values() for a in snapshot}
        bad_files = _write_bad(out_dir, rng, builder, candidates, last, known, n_bad, dates[-1].year)

    return {
        "owed": len(owed_forms),
        "workbooks": len(workbooks),
        "exports": len(exports),
        "forms_in_exports": len(web),
        "corrections": sum(f.correction for f in forms),
        "late": sum(f.late for f in forms),
        "missing": sum(o["status"] == "missing" for o in owed_forms),
        "bad": len(bad_files),
        "unowed": sum(not f.owed and not f.correction for f in forms),
        "periods": periods,
        "bad_files": bad_files,
        "forms": [f.summary() for f in forms],
        "owed_forms": owed_forms,
    }


def generate_workbooks_for_benchmark(
    out_dir: Path, n: int = 600, seed: int = 1, agreement_ids: list[str] | None = None
) -> list[Path]:
    """``n`` valid workbooks (both templates, all quirks) for a parsing benchmark; no register needed.

    Agreement ids come from ``agreement_ids`` (in turn) or are made up (``ÖK-2023-0001`` …); periods run
    from 2022H2 to 2025H1, so every period has ended.
    """
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    rng = random.Random(seed)
    municipalities = load_municipalities()
    builder = _Forms(rng, municipalities)
    periods = ["2022H2", "2023H1", "2023H2", "2024H1", "2024H2", "2025H1"]
    ids = list(agreement_ids) if agreement_ids else [f"ÖK-2023-{i:04d}" for i in range(1, n + 1)]
    agreements: dict[str, RegisterAgreement] = {}
    taken: set[str] = set()
    paths = []
    for i in range(n):
        agreement_id = ids[i % len(ids)]
        if agreement_id not in agreements:
            county = rng.choice(municipalities).county
            codes = rng.sample([m.code for m in municipalities if m.county == county], 1 + (rng.random() < 0.25))
            groups = ["behovsbaserad", "arbetsgivare"] + rng.sample(TRAIT_GROUPS, rng.randint(0, 2))
            name = f"Överenskommelse om samverkan – {' och '.join(builder.by_code[c].short for c in codes)}"
            agreements[agreement_id] = RegisterAgreement(
                agreement_id,
                name,
                "lokal",
                county,
                "tecknad",
                "halvar",
                date(2022, 3, 1),
                None,
                tuple(codes),
                tuple(groups),
            )
        period = periods[(i // len(ids) + i) % len(periods)]
        form = builder.build(
            agreements[agreement_id],
            period,
            periods.index(period),
            len(periods),
            _submission(rng, period, rng.random() < 0.1),
        )
        plan = builder.plans[agreement_id]
        form.file = _unique(out_dir, _file_name(rng, form, plan.file_style, builder.by_code), taken)
        paths.append(write_workbook(out_dir / form.file, form, _Quirks.draw(rng, plan), rng, builder.by_code))
    return paths


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m ingestion.synthetic.forms",
        description="Write synthetic follow-up forms (workbooks and bulk exports) for generated register deliveries.",
    )
    parser.add_argument("--register", type=Path, help="folder holding the register deliveries")
    parser.add_argument("--out", type=Path, required=True, help="folder to write the forms into")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--periods", help="comma-separated half-years (2024H1,2024H2); default from the register")
    parser.add_argument("--bad", type=int, default=3, help="workbooks in invalid/ that break one rule each")
    parser.add_argument(
        "--benchmark",
        type=int,
        metavar="N",
        help="instead: write N valid workbooks for a parsing benchmark (no register needed)",
    )
    args = parser.parse_args(argv)
    if args.benchmark:
        paths = generate_workbooks_for_benchmark(args.out, args.benchmark, args.seed)
        print(f"{len(paths)} workbooks in {args.out}")
        return 0
    if not args.register:
        parser.error("--register is required (or --benchmark N)")
    periods = [p.strip() for p in args.periods.split(",")] if args.periods else None
    summary = generate_followup_forms(args.out, args.register, periods, args.seed, args.bad)
    print(
        json.dumps({k: v for k, v in summary.items() if k not in ("forms", "owed_forms")}, ensure_ascii=False, indent=2)
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
