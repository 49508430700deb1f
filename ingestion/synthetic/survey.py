"""Synthetic survey exports (enkätexporter) that follow ``docs/contracts/survey_export.md``.

A delivery is one folder ``<enkat_id>_<YYYY-MM-DD>`` (dated a few days after the wave closed) holding
``enkat.csv``, ``fragor.csv``, ``skalor.csv``, ``urval.csv``, ``svar.csv`` and, where free text has been
coded, ``kodning.csv``: ``;``-separated, CRLF, quotes only where needed. :func:`generate_surveys` writes
three surveys:

* ``kommunenkat`` (one wave, 2025, ``enhet`` kommun, UTF-8 with BOM): all 290 municipalities in the
  sample, ~3 % bounced invitations, ~75 % of the others answer, a few only partly. Questions: an enval
  with Ja/Nej/Vet inte (``Vet inte`` non-substantive), a follow-up asked only when the first was ``Ja``
  (``villkor Q1=1``) that a handful of respondents answer anyway, a flerval, a matris on a quality scale
  with ``Vet ej/ingen åsikt``, a change question, two free-text questions coded in ``kodning.csv``
  (several codes per answer, sometimes several in one theme) and a number with decimal comma.
* ``dua_samverkan`` (three waves 2021–2023, ``enhet`` kommun): the same questions asked separately about
  two target groups as two parallel blocks of enval questions, ``Q1``–``Q4`` about unga (16–24 år) and
  ``Q11``–``Q14`` about nyanlända, each text starting with the group's name; plus a flerval and a free
  text. ``Q22`` is added in 2022; in 2023 ``Q3`` is reworded and renamed ``Q6`` (``jamforbar_med`` =
  ``Q3``). Each municipality keeps its own level from wave to wave and answers improve slowly. The 2022
  wave is UTF-8 *without* BOM, the others have one.
* ``parter`` (one wave, ``enhet`` person, Windows-1252 like the old tool version): one to three persons
  per party of every signed regional and local agreement in the latest snapshot of a generated register
  (:mod:`ingestion.synthetic.register`), or of a small made-up frame without one. A matris asks how collaboration
  works with each actor type, with ``Tillhör själv aktören`` (the respondent's own type) and ``Medverkar
  inte i samverkan`` (mostly actor types that are not a party of the respondent's agreement).

:func:`generate_large_survey` writes one valid delivery of a chosen size for benchmarks.

Everything is drawn from one ``random.Random(seed)``, so a seed always gives the same bytes; the
register only affects ``parter`` (generated last). Only the standard library is used.
"""

from __future__ import annotations

import argparse
import csv
import io
import random
import re
import zipfile
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from statistics import NormalDist

from ingestion.sources.survey.contract import ANSWERS as SVAR
from ingestion.sources.survey.contract import CODING as KODNING
from ingestion.sources.survey.contract import COLUMNS  # svar.csv: followed by one column per answer
from ingestion.sources.survey.contract import QUESTIONS as FRAGOR
from ingestion.sources.survey.contract import SAMPLE as URVAL
from ingestion.sources.survey.contract import SCALES as SKALOR
from ingestion.sources.survey.contract import WAVE as ENKAT
from ingestion.synthetic.register import (
    AGREEMENTS,
    LOCAL_LEVELS,
    MUNICIPALITIES,
    PARTIES,
    SIGNED,
    Municipality,
    load_counties,
    load_municipalities,
)

UTF8_BOM, UTF8, CP1252 = "utf-8-sig", "utf-8", "cp1252"
TYPES = ("enval", "flerval", "matris", "fritext", "tal")  # the contract's QUESTION_TYPES, in a fixed order
REGISTER_SNAPSHOT = re.compile(r"overenskommelser_(\d{4}-\d{2}-\d{2})(\.zip)?")


# ---------------------------------------------------------------- the codebook
@dataclass(frozen=True)
class Scale:
    """An answer scale: (code, label, substantive) in display order."""

    id: str
    options: tuple[tuple[int, str, bool], ...]

    @property
    def codes(self) -> list[int]:
        return [kod for kod, _, _ in self.options]

    @property
    def substantive(self) -> list[int]:
        return [kod for kod, _, real in self.options if real]

    @property
    def non_substantive(self) -> list[int]:
        return [kod for kod, _, real in self.options if not real]

    def code(self, label: str) -> int:
        return next(kod for kod, etikett, _ in self.options if etikett == label)

    def rows(self) -> list[list[str]]:
        return [
            [self.id, str(kod), etikett, "J" if real else "N", str(i)]
            for i, (kod, etikett, real) in enumerate(self.options, 1)
        ]


def _scale(scale_id: str, labels: list[str], non_substantive: tuple[str, ...] = ()) -> Scale:
    """Codes 1..n in the order given; the labels in ``non_substantive`` get ``substantiell`` = N."""
    return Scale(scale_id, tuple((i, label, label not in non_substantive) for i, label in enumerate(labels, 1)))


@dataclass(frozen=True)
class Question:
    """One question of a wave; a matris has rows (delfraga, label), a flerval one option per scale code."""

    id: str
    typ: str
    text: str
    scale: Scale | None = None
    rows: tuple[tuple[str, str], ...] = ()
    villkor: str = ""
    jamforbar_med: str = ""

    def columns(self) -> list[str]:
        """Its columns in ``svar.csv``: ``Q3_1``… (flerval), ``Q4_r1``… (matris), else ``Q1``."""
        if self.typ == "flerval":
            assert self.scale is not None
            return [f"{self.id}_{kod}" for kod in self.scale.codes]
        if self.typ == "matris":
            return [f"{self.id}_{delfraga}" for delfraga, _ in self.rows]
        return [self.id]

    def codebook(self) -> list[list[str]]:
        """Its rows in ``fragor.csv`` (one per grid row for a matris)."""
        skala = self.scale.id if self.scale else ""
        if self.typ == "matris":
            return [
                [self.id, delfraga, label, self.typ, skala, self.villkor, self.jamforbar_med]
                for delfraga, label in self.rows
            ]
        return [[self.id, "", self.text, self.typ, skala, self.villkor, self.jamforbar_med]]


@dataclass
class Respondent:
    """One row of ``urval.csv``."""

    id: str
    kommunkod: str
    lanskod: str
    organisation: str
    aktorstyp: str
    overenskommelse_id: str = ""
    utskick: str = "ok"

    def row(self) -> list[str]:
        return [
            self.id,
            self.kommunkod,
            self.lanskod,
            self.organisation,
            self.aktorstyp,
            self.overenskommelse_id,
            self.utskick,
        ]


@dataclass
class Wave:
    """Everything one delivery holds; ``svar`` maps respondent id → column → value."""

    enkat_id: str
    omgang: str
    namn: str
    oppnad: date
    stangd: date
    enhet: str
    levererad: date
    encoding: str
    questions: list[Question]
    urval: list[Respondent] = field(default_factory=list)
    svar: dict[str, dict[str, str]] = field(default_factory=dict)
    kodning: list[list[str]] = field(default_factory=list)

    @property
    def name(self) -> str:
        return f"{self.enkat_id}_{self.levererad.isoformat()}"

    def scales(self) -> list[Scale]:
        seen: dict[str, Scale] = {}
        for q in self.questions:
            if q.scale and q.scale.id not in seen:
                seen[q.scale.id] = q.scale
        return list(seen.values())

    def answer_columns(self) -> list[str]:
        return [column for q in self.questions for column in q.columns()]

    def tables(self) -> dict[str, tuple[list[str], list[list[str]]]]:
        answer_columns = self.answer_columns()
        svar_rows = [
            [rid, row["status"], row["besvarad"], *(row.get(c, "") for c in answer_columns)]
            for rid, row in self.svar.items()
        ]
        tables = {
            ENKAT: (
                COLUMNS[ENKAT],
                [[self.enkat_id, self.omgang, self.namn, self.oppnad.isoformat(), self.stangd.isoformat(), self.enhet]],
            ),
            FRAGOR: (COLUMNS[FRAGOR], [row for q in self.questions for row in q.codebook()]),
            SKALOR: (COLUMNS[SKALOR], [row for s in self.scales() for row in s.rows()]),
            URVAL: (COLUMNS[URVAL], [r.row() for r in self.urval]),
            SVAR: (COLUMNS[SVAR] + answer_columns, svar_rows),
        }
        if self.kodning:
            tables[KODNING] = (COLUMNS[KODNING], self.kodning)
        return tables


def encode_csv(columns: list[str], rows: list[list[str]], encoding: str = UTF8_BOM) -> bytes:
    """``;``, CRLF, quotes only where needed (``;``, ``"``, line breaks); characters the encoding lacks
    become ``?`` as in the old tool's exports."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n", quoting=csv.QUOTE_MINIMAL)
    writer.writerow(columns)
    writer.writerows(rows)
    return buffer.getvalue().encode(encoding, errors="replace")


def write_wave(out_dir: Path, wave: Wave) -> Path:
    """Write one delivery folder (replacing files of an earlier run) and return its path."""
    target = Path(out_dir) / wave.name
    target.mkdir(parents=True, exist_ok=True)
    tables = wave.tables()
    for file_name in COLUMNS:
        path = target / file_name
        if file_name in tables:
            path.write_bytes(encode_csv(*tables[file_name], encoding=wave.encoding))
        elif path.exists():
            path.unlink()
    return target


# ---------------------------------------------------------------- drawing answers
_CUTS: dict[int, list[float]] = {}


def _cuts(n: int) -> list[float]:
    """Descending thresholds that split N(0, 1) into n equally likely bands."""
    if n not in _CUTS:
        _CUTS[n] = [NormalDist().inv_cdf((n - k) / n) for k in range(1, n)]
    return _CUTS[n]


def _grade(rng: random.Random, scale: Scale, mu: float, p_ns: float = 0.0) -> int:
    """A code on an ordered scale whose first substantive code is the best: a latent score ~ N(mu, 1)
    falls into one of the substantive bands; with probability ``p_ns`` a non-substantive code instead."""
    if scale.non_substantive and rng.random() < p_ns:
        return rng.choice(scale.non_substantive)
    substantive = scale.substantive
    score = rng.gauss(mu, 1.0)
    return substantive[sum(1 for cut in _cuts(len(substantive)) if cut > score)]


def _number(value: float) -> str:
    """Swedish number: decimal comma, no trailing ``,0``."""
    if value == int(value):
        return str(int(value))
    return f"{value:.1f}".replace(".", ",")


def _timestamp(rng: random.Random, oppnad: date, stangd: date) -> str:
    """When the last answer was given: most answers come early, the rest after the reminders."""
    days = (stangd - oppnad).days
    day = oppnad + timedelta(days=min(days, int(days * rng.random() ** 1.5 + 0.5)))
    return f"{day.isoformat()} {rng.randint(7, 21):02d}:{rng.randint(0, 59):02d}:{rng.randint(0, 59):02d}"


def _flerval(rng: random.Random, q: Question, chances: list[float]) -> dict[str, str]:
    """``1``/``0`` per option with at least one ``1``."""
    chosen = [rng.random() < p for p in chances]
    if not any(chosen):
        chosen[max(range(len(chances)), key=lambda i: chances[i])] = True
    return {column: "1" if pick else "0" for column, pick in zip(q.columns(), chosen, strict=True)}


def _finish(rng: random.Random, wave: Wave, answers: dict[str, dict[str, str]], partial: set[str]) -> None:
    """Partly answered respondents stop after some question: later columns are emptied."""
    questions = wave.questions
    for rid in sorted(partial):  # sorted: set order depends on the hash seed
        stop = rng.randint(1, len(questions) - 1)
        for q in questions[stop:]:
            for column in q.columns():
                answers[rid].pop(column, None)
    for rid, row in answers.items():
        wave.svar[rid] = {
            "status": "delvis" if rid in partial else "komplett",
            "besvarad": _timestamp(rng, wave.oppnad, wave.stangd),
            **row,
        }


@dataclass(frozen=True)
class Snippet:
    """A piece of a free-text answer and the codes (tema, kod) an analyst gives it."""

    text: str
    codes: tuple[tuple[str, str], ...] = ()


def _free_text(rng: random.Random, snippets: list[Snippet], fillers: list[str]) -> tuple[str, list[tuple[str, str]]]:
    """One to three snippets joined the way people write (``. ``, ``; ``, a line break), with their codes
    (each code once); sometimes a filler with no code."""
    if fillers and rng.random() < 0.08:
        return rng.choice(fillers), []
    chosen = rng.sample(snippets, rng.choices([1, 2, 3], [55, 33, 12])[0])
    text = chosen[0].text
    for snippet in chosen[1:]:
        text += rng.choice([". ", "; ", "\n", ". "]) + snippet.text
    if rng.random() < 0.5:
        text += "."
    codes = list(dict.fromkeys(code for snippet in chosen for code in snippet.codes))
    return text, codes


# ---------------------------------------------------------------- kommunenkat
JNV = _scale("JNV", ["Ja", "Nej", "Vet inte"], ("Vet inte",))
FORUM = _scale(
    "FORUM",
    [
        "Lokal styrgrupp",
        "Operativ arbetsgrupp",
        "Gemensam årlig konferens",
        "Gemensamma arbetsplatsträffar",
        "Annat forum",
    ],
)
KVAL = _scale(
    "KVAL",
    ["Mycket bra", "Ganska bra", "Varken bra eller dåligt", "Ganska dåligt", "Mycket dåligt", "Vet ej/ingen åsikt"],
    ("Vet ej/ingen åsikt",),
)
FORANDR = _scale("FORANDR", ["Bättre", "Oförändrad", "Sämre", "Kan inte bedöma"], ("Kan inte bedöma",))

KOMMUNENKAT_QUESTIONS = [
    Question("Q1", "enval", "Har er kommun en skriftlig överenskommelse om samverkan med Arbetsförmedlingen?", JNV),
    Question(
        "Q2", "enval", "Om ja: följs överenskommelsen upp gemensamt minst två gånger per år?", JNV, villkor="Q1=1"
    ),
    Question("Q3", "flerval", "Vilka forum för samverkan finns? (flera svar möjliga)", FORUM),
    Question(
        "Q4",
        "matris",
        "Hur fungerar samverkan med Arbetsförmedlingen?",
        KVAL,
        rows=(
            ("r1", "Samverkan på strategisk nivå (ledning)"),
            ("r2", "Samverkan på operativ nivå (handläggare)"),
            ("r3", "Samverkan kring unga som varken arbetar eller studerar"),
            ("r4", "Samverkan kring nyanlända"),
            ("r5", "Samverkan kring kontakter med arbetsgivare"),
        ),
    ),
    Question("Q5", "enval", "Har samverkan blivit bättre eller sämre det senaste året?", FORANDR),
    Question("Q6", "fritext", "Vad fungerar bra i dagens samverkan med Arbetsförmedlingen?"),
    Question("Q7", "fritext", "Vad behöver utvecklas i samverkan?"),
    Question(
        "Q8",
        "tal",
        "Ungefär hur många årsarbetskrafter arbetar med arbetsmarknadsinsatser i kommunen? (decimaltal går bra)",
    ),
]
WORKS_WELL = [
    Snippet(
        'Vi når vår kontaktperson, "oftast" samma dag',
        (("Tillgänglighet", "Kända kontaktvägar"), ("Tillgänglighet", "Snabba svar")),
    ),
    Snippet("Tydliga rutiner för våra möten", (("Upparbetade rutiner", "Rutiner för möten"),)),
    Snippet(
        "Bra dialog med enhetschefen; snabba svar", (("Kommunikation", "God dialog"), ("Tillgänglighet", "Snabba svar"))
    ),
    Snippet("Gemensam målgruppsanalys\ngjord i höstas", (("Samsyn", "Samsyn i uppdrag/målgrupp"),)),
    Snippet(
        "Samlokaliseringen i stadshuset gör det lätt att ses",
        (("Tillgänglighet", "Lättillgänglig"), ("Upparbetade rutiner", "Samlokalisering")),
    ),
    Snippet(
        "Regelbundna styrgruppsmöten där båda parter deltar",
        (("Upparbetade rutiner", "Rutiner för möten"), ("Förankring", "Ledningens engagemang")),
    ),
    Snippet("Stort engagemang från ledningen på båda håll", (("Förankring", "Ledningens engagemang"),)),
    Snippet(
        "Vi delar bilden av vilka som behöver stöd – främst unga och nyanlända",
        (("Samsyn", "Samsyn i uppdrag/målgrupp"),),
    ),
    Snippet(
        "Handläggarna känner varandra; korta beslutsvägar",
        (("Kommunikation", "Personkännedom"), ("Tillgänglighet", "Korta beslutsvägar")),
    ),
    Snippet("Öppen och ärlig kommunikation, även när det är svårt", (("Kommunikation", "God dialog"),)),
]
TO_DEVELOP = [
    Snippet(
        "Arbetsförmedlingen har ingen fysisk närvaro i kommunen längre", (("Tillgänglighet", "Fysisk närvaro saknas"),)
    ),
    Snippet(
        "Svårt att nå handläggare; kontaktpersonen byts ofta",
        (("Tillgänglighet", "Svårt att nå"), ("Kontinuitet", "Personalomsättning")),
    ),
    Snippet(
        "Vi behöver kunna dela uppgifter om deltagare (sekretessen sätter gränser)",
        (("Informationsdelning", "Juridiska hinder"),),
    ),
    Snippet('Otydligt vem som ansvarar för "rustande insatser"', (("Ansvarsfördelning", "Otydlig rollfördelning"),)),
    Snippet("Uppföljningen blir av för sällan;\nvi hinner inte", (("Uppföljning", "Bristande uppföljning"),)),
    Snippet("Fler gemensamma insatser för långtidsarbetslösa", (("Insatser", "Fler gemensamma insatser"),)),
    Snippet(
        "Leverantörerna av kompletterande aktörer är svåra att samverka med",
        (("Ansvarsfördelning", "Kompletterande aktörer"),),
    ),
    Snippet(
        "Kortare handläggningstider och snabbare återkoppling",
        (("Tillgänglighet", "Långa svarstider"), ("Kommunikation", "Återkoppling")),
    ),
]
FILLERS = ["Inget att tillägga", "Se svaret ovan.", "Vet ej – ny i rollen", "-"]


def _kommunenkat(rng: random.Random, municipalities: list[Municipality]) -> Wave:
    wave = Wave(
        "kommunenkat",
        "2025",
        "Kommunernas syn på samverkan med Arbetsförmedlingen 2025",
        date(2025, 1, 13),
        date(2025, 2, 7),
        "kommun",
        date(2025, 2, 7) + timedelta(days=rng.randint(3, 6)),
        UTF8_BOM,
        KOMMUNENKAT_QUESTIONS,
    )
    q = {question.id: question for question in wave.questions}
    answers: dict[str, dict[str, str]] = {}
    partial: set[str] = set()
    for i, m in enumerate(municipalities):
        rid = f"R{1001 + i}"
        bounced = rng.random() < 0.03
        wave.urval.append(
            Respondent(rid, m.code, m.county, m.name, "kommun", utskick="felaktig_kontakt" if bounced else "ok")
        )
        if bounced or rng.random() >= 0.75:
            continue
        if rng.random() < 0.05:
            partial.add(rid)
        mu = rng.gauss(0.25, 0.6)  # how well collaboration works in this municipality
        row: dict[str, str] = {"Q1": str(rng.choices(JNV.codes, [80, 14, 6])[0])}
        if row["Q1"] == "1" and rng.random() > 0.03:
            row["Q2"] = str(_grade(rng, JNV, mu + 0.6, 0.05))
        if rng.random() > 0.03:
            row.update(_flerval(rng, q["Q3"], [0.7, 0.55, 0.3, 0.25, 0.08]))
        for column, offset, p_ns in zip(
            q["Q4"].columns(), [0.2, 0.0, -0.1, -0.2, -0.4], [0.03, 0.04, 0.08, 0.15, 0.12], strict=True
        ):
            if rng.random() > 0.02:
                row[column] = str(_grade(rng, KVAL, mu + offset, p_ns))
        if rng.random() > 0.04:
            row["Q5"] = str(rng.choices(FORANDR.codes, [max(2, 30 + 20 * mu), 45, max(2, 15 - 8 * mu), 10])[0])
        for question_id, snippets, p in (("Q6", WORKS_WELL, 0.6), ("Q7", TO_DEVELOP, 0.55)):
            if rng.random() < p:
                row[question_id], codes = _free_text(rng, snippets, FILLERS)
                wave.kodning += [[rid, question_id, tema, kod] for tema, kod in codes]
        if rng.random() < 0.85:
            value = rng.lognormvariate(1.3, 0.8)
            row["Q8"] = _number(round(value) if rng.random() < 0.4 else round(value, 1))
        answers[rid] = row
    # A handful answered the follow-up although they did not answer Q1 with Ja (the tool let them).
    said_no = [rid for rid, row in answers.items() if rid not in partial and row["Q1"] != "1"]
    for rid in rng.sample(said_no, min(len(said_no), rng.randint(4, 7))):
        answers[rid]["Q2"] = str(rng.choices(JNV.codes, [50, 35, 15])[0])
    _finish(rng, wave, answers, partial)
    # codes of answers a partly answering respondent never got to go too
    wave.kodning = [row for row in wave.kodning if wave.svar[row[0]].get(row[1])]
    _ensure_theme_twice(wave)
    return wave


def _ensure_theme_twice(wave: Wave) -> None:
    """Make sure some answer carries two codes of one theme (true in practice with this many answers;
    guaranteed here by giving the first coded answer a second code of its theme)."""
    seen: set[tuple[str, str, str]] = set()
    for rid, fraga, tema, _ in wave.kodning:
        if (rid, fraga, tema) in seen:
            return
        seen.add((rid, fraga, tema))
    codes_of: dict[str, list[str]] = {}
    for snippet in WORKS_WELL + TO_DEVELOP:
        for tema, kod in snippet.codes:
            codes_of.setdefault(tema, []).append(kod)
    for rid, fraga, tema, kod in list(wave.kodning):
        other = next((c for c in codes_of[tema] if c != kod), None)
        if other:
            wave.kodning.append([rid, fraga, tema, other])
            return


# ---------------------------------------------------------------- dua_samverkan
INST = _scale(
    "INST",
    [
        "Instämmer helt",
        "Instämmer till stor del",
        "Instämmer till viss del",
        "Instämmer inte alls",
        "Vet ej/ingen åsikt",
    ],
    ("Vet ej/ingen åsikt",),
)
UTV = _scale(
    "UTV",
    ["Mycket väl utvecklad", "Ganska väl utvecklad", "Mindre väl utvecklad", "Inte alls utvecklad", "Kan inte bedöma"],
    ("Kan inte bedöma",),
)
FORMER = _scale(
    "FORMER",
    [
        "Gemensam styrgrupp",
        "Gemensamma insatser eller projekt",
        "Samlokalisering",
        "Gemensam kartläggning av målgruppen",
        "Annan form",
    ],
)
GROUPS = (("", "Unga 16–24 år"), ("1", "Nyanlända"))  # id prefix for the block (Q1 / Q11), label
DUA_YEARS = (2021, 2022, 2023)
DUA_COMMENTS = [
    "Samverkan kring unga fungerar bra; nyanlända är svårare att nå",
    'Vi saknar en "gemensam bild" av målgruppen',
    "Arbetsförmedlingens omorganisation har påverkat samarbetet.\nDet märks på operativ nivå",
    "Bra stöd från Dua-delegationen under uppstarten",
    "Språkstödet för nyanlända behöver förstärkas; SFI-platserna räcker inte",
    "Gymnasieskolan borde vara med i styrgruppen",
    "Svårt att säga – jag är ny på tjänsten",
    "Kommunens aktivitetsansvar (KAA) och Arbetsförmedlingen arbetar allt närmare",
]


def _dua_questions(wave_index: int) -> list[Question]:
    """The codebook of one wave: Q22 from the second wave on; Q3 reworded as Q6 in the third."""
    questions: list[Question] = []
    for prefix, group in GROUPS:
        questions += [
            Question(
                f"Q{prefix}1",
                "enval",
                f"{group}: Kommunen och Arbetsförmedlingen har en gemensam lägesbild av målgruppen.",
                INST,
            ),
            Question(
                f"Q{prefix}2", "enval", f"{group}: Det finns gemensamma och uppföljningsbara mål för arbetet.", INST
            ),
            Question(f"Q{prefix}3", "enval", f"{group}: Hur väl utvecklad är samverkan kring målgruppen?", UTV),
            Question(
                f"Q{prefix}4", "enval", f"{group}: Parternas insatser kompletterar varandra utan att överlappa.", INST
            ),
        ]
    if wave_index >= 2:
        questions[2] = Question(
            "Q6",
            "enval",
            f"{GROUPS[0][1]}: Hur väl fungerar samverkan kring målgruppen i dag, på både strategisk och operativ nivå?",
            UTV,
            jamforbar_med="Q3",
        )
    questions.append(
        Question("Q20", "flerval", "Vilka former av samverkan används i er kommun? (flera svar möjliga)", FORMER)
    )
    if wave_index >= 1:
        questions.append(Question("Q22", "enval", "Har parterna gemensamt följt upp överenskommelsen under året?", JNV))
    questions.append(Question("Q21", "fritext", "Övriga synpunkter på samverkan kring unga och nyanlända"))
    return questions


def _dua_waves(rng: random.Random, municipalities: list[Municipality]) -> list[Wave]:
    levels = {}
    for m in municipalities:  # each municipality's level for unga and nyanlända, kept across waves
        base = rng.gauss(0.0, 0.6)
        levels[m.code] = (base + rng.gauss(0.15, 0.3), base + rng.gauss(-0.15, 0.3))
    waves = []
    for w, year in enumerate(DUA_YEARS):
        oppnad, stangd = date(year, 10, 4), date(year, 10, 29)
        wave = Wave(
            "dua_samverkan",
            str(year),
            f"Samverkan kring unga och nyanlända – uppföljning {year}",
            oppnad,
            stangd,
            "kommun",
            stangd + timedelta(days=rng.randint(3, 6)),
            UTF8 if w == 1 else UTF8_BOM,
            _dua_questions(w),
        )
        forms = next(q for q in wave.questions if q.id == "Q20")
        answers: dict[str, dict[str, str]] = {}
        partial: set[str] = set()
        response = (0.72, 0.78, 0.81)[w]
        for i, m in enumerate(municipalities):
            rid = f"D{year % 100}{i + 1:03d}"
            bounced = rng.random() < 0.025
            wave.urval.append(
                Respondent(rid, m.code, m.county, m.name, "kommun", utskick="felaktig_kontakt" if bounced else "ok")
            )
            if bounced or rng.random() >= response:
                continue
            if rng.random() < 0.04:
                partial.add(rid)
            unga, nyanlanda = levels[m.code]
            row: dict[str, str] = {}
            for q in wave.questions:
                if q.typ != "enval" or q.scale is not INST and q.scale is not UTV or rng.random() < 0.03:
                    continue
                level = nyanlanda + 0.10 * w if q.text.startswith(GROUPS[1][1]) else unga + 0.15 * w
                row[q.id] = str(_grade(rng, q.scale, level, 0.06))
            if rng.random() > 0.03:
                row.update(_flerval(rng, forms, [0.75, 0.5, 0.18 + 0.06 * w, 0.35 + 0.05 * w, 0.1]))
            if w >= 1 and rng.random() > 0.03:
                row["Q22"] = str(rng.choices(JNV.codes, [55 + 10 * w, 35 - 8 * w, 10])[0])
            if rng.random() < 0.25:
                row["Q21"] = rng.choice(DUA_COMMENTS)
            answers[rid] = row
        _finish(rng, wave, answers, partial)
        waves.append(wave)
    return waves


# ---------------------------------------------------------------- parter
PERSP = _scale("PERSP", ["Part i en lokal överenskommelse", "Part i en regional överenskommelse"])
ROLL = _scale("ROLL", ["Ledning eller styrgrupp", "Samordnare", "Handläggare eller annan operativ roll", "Annan roll"])
SAMV = _scale(
    "SAMV",
    [
        "Mycket bra",
        "Ganska bra",
        "Mindre bra",
        "Dåligt",
        "Ingen åsikt",
        "Tillhör själv aktören",
        "Medverkar inte i samverkan",
    ],
    ("Ingen åsikt", "Tillhör själv aktören", "Medverkar inte i samverkan"),
)
INST4 = _scale(
    "INST4",
    ["Instämmer helt", "Instämmer till viss del", "Instämmer inte", "Vet ej/ingen åsikt"],
    ("Vet ej/ingen åsikt",),
)
ACTOR_ROWS = (  # matris rows of Q3: (delfraga, label, organisationstyp)
    ("r1", "Arbetsförmedlingen", "arbetsformedlingen"),
    ("r2", "Kommunen", "kommun"),
    ("r3", "Regionen", "region_landsting"),
    ("r4", "Försäkringskassan", "forsakringskassan"),
    ("r5", "Migrationsverket", "migrationsverket"),
    ("r6", "Näringslivet", "naringsliv"),
    ("r7", "Ideella organisationer", "ideell"),
    ("r8", "Utbildningsanordnare", "utbildningsanordnare"),
)
PARTER_QUESTIONS = [
    Question("Q1", "enval", "Utifrån vilket perspektiv besvarar du enkäten?", PERSP),
    Question("Q2", "enval", "Vilken är din roll i samverkan?", ROLL),
    Question(
        "Q3",
        "matris",
        "Hur fungerar samverkan med följande aktörer?",
        SAMV,
        rows=tuple((delfraga, label) for delfraga, label, _ in ACTOR_ROWS),
    ),
    Question("Q4", "enval", "Samverkan bygger främst på goda personrelationer.", INST4),
    Question("Q5", "enval", "Överenskommelsen har gjort samverkan mer strukturerad.", INST4),
    Question("Q6", "tal", "Hur många samverkansmöten har du deltagit i de senaste tolv månaderna?"),
    Question("Q7", "fritext", "Övriga synpunkter på samverkan inom överenskommelsen"),
]
PARTY_COMMENTS = [
    "Samverkan fungerar bäst när vi träffas regelbundet",
    'Överenskommelsen är "ett papper i en pärm" för många; den behöver förankras',
    "Bra att regionen är med, men vården saknas ofta vid bordet",
    "Ideella föreningar får för lite information.\nVi vill vara med tidigare",
    "Svårt att veta vem som äger frågan hos Arbetsförmedlingen",
    "Näringslivet medverkar inte; det är en brist",
    "Försäkringskassan och Arbetsförmedlingen har börjat samplanera – mycket bättre än förr",
]


@dataclass(frozen=True)
class Party:
    """One party of one agreement, as the survey frame needs it."""

    organisation: str
    aktorstyp: str
    overenskommelse_id: str
    niva: str
    kommunkod: str
    lanskod: str


def _read_delivery(source: Path) -> dict[str, list[dict[str, str]]]:
    """The register files of one delivery (a folder or a .zip holding the folder)."""
    texts: dict[str, str] = {}
    wanted = (AGREEMENTS, MUNICIPALITIES, PARTIES)
    if source.suffix == ".zip":
        with zipfile.ZipFile(source) as archive:
            for name in archive.namelist():
                if Path(name).name in wanted:
                    texts[Path(name).name] = archive.read(name).decode("utf-8-sig")
    else:
        for name in wanted:
            if (source / name).is_file():
                texts[name] = (source / name).read_text(encoding="utf-8-sig")
    return {name: list(csv.DictReader(io.StringIO(text, newline=""), delimiter=";")) for name, text in texts.items()}


def read_party_frame(register_dir: Path, municipalities: list[Municipality]) -> tuple[date, list[Party]]:
    """The parties of every signed regional and local agreement in the latest register snapshot.

    ``kommunkod`` is the agreement's municipality (the first one listed; for a ``kommun`` party of a
    ``flerkommunal`` agreement the covered municipality its name starts with); empty for regional
    agreements, whose ``lanskod`` is the agreement's. A party listed once per role counts once.
    """
    snapshots = sorted(
        (date.fromisoformat(match.group(1)), source)
        for source in Path(register_dir).iterdir()
        if (match := REGISTER_SNAPSHOT.fullmatch(source.name))
    )
    if not snapshots:
        raise FileNotFoundError(f"no register deliveries (overenskommelser_YYYY-MM-DD) in {register_dir}")
    snapshot, source = snapshots[-1]
    tables = _read_delivery(source)
    by_code = {m.code: m for m in municipalities}
    covered: dict[str, list[str]] = {}
    for row in tables.get(MUNICIPALITIES, []):
        code = row["kommunkod"].strip().zfill(4)
        if code in by_code:
            covered.setdefault(row["overenskommelse_id"].strip(), []).append(code)
    agreements = {
        row["overenskommelse_id"].strip(): row
        for row in tables.get(AGREEMENTS, [])
        if row["niva"].strip() in ("regional", *LOCAL_LEVELS) and row["status"].strip() in SIGNED
    }
    parties: dict[tuple[str, str, str], Party] = {}
    for row in tables.get(PARTIES, []):
        agreement_id = row["overenskommelse_id"].strip()
        agreement = agreements.get(agreement_id)
        if agreement is None:
            continue
        organisation, typ, niva = row["organisation"].strip(), row["organisationstyp"].strip(), agreement["niva"]
        codes = list(dict.fromkeys(covered.get(agreement_id, [])))
        if niva == "regional" or not codes:
            kommunkod, lanskod = "", agreement["lanskod"].strip()
        else:
            kommunkod = codes[0]
            if niva == "flerkommunal" and typ == "kommun":
                kommunkod = next((c for c in codes if _names(organisation, by_code[c])), kommunkod)
            lanskod = by_code[kommunkod].county
        parties.setdefault(
            (agreement_id, organisation, typ), Party(organisation, typ, agreement_id, niva, kommunkod, lanskod)
        )
    return snapshot, list(parties.values())


def _names(organisation: str, m: Municipality) -> bool:
    """Does an organisation name (``Kiruna kommun, socialförvaltningen``, ``Göteborgs stad``) name m?"""
    return any(organisation.startswith(m.short + suffix) for suffix in (" ", "s ", ","))


def _made_up_frame(rng: random.Random, municipalities: list[Municipality]) -> list[Party]:
    """A small frame when there is no register: 12 local and 2 regional agreements."""
    parties: list[Party] = []
    for n, m in enumerate(sorted(rng.sample(municipalities, 12), key=lambda m: m.code), 1):
        agreement_id = f"ÖK-2023-{n * 3:04d}"
        members = [("Arbetsförmedlingen", "arbetsformedlingen"), (m.name, "kommun")]
        extras = [
            ("Regionen", "region_landsting", 0.3),
            ("Försäkringskassan", "forsakringskassan", 0.3),
            ("Migrationsverket", "migrationsverket", 0.2),
            (f"Röda Korset, {m.short}", "ideell", 0.2),
        ]
        members += [(organisation, typ) for organisation, typ, p in extras if rng.random() < p]
        parties += [Party(org, typ, agreement_id, "lokal", m.code, m.county) for org, typ in members]
    counties = load_counties()
    for county in sorted({m.county for m in rng.sample(municipalities, 2)}):
        agreement_id = f"RÖK-2023-{county}"
        name, short = counties[county]
        parties += [
            Party(org, typ, agreement_id, "regional", "", county)
            for org, typ in (
                ("Arbetsförmedlingen", "arbetsformedlingen"),
                (f"Region {short}", "region_landsting"),
                (f"Kommunförbundet {short}", "kommunforbund"),
                (f"Länsstyrelsen i {name}", "lansstyrelse"),
            )
        ]
    return parties


def _parter(rng: random.Random, municipalities: list[Municipality], register_dir: Path | None) -> Wave:
    if register_dir is None:
        snapshot, parties = date(2025, 3, 31), _made_up_frame(rng, municipalities)
    else:
        snapshot, parties = read_party_frame(Path(register_dir), municipalities)
    if not parties:
        raise ValueError(f"no signed regional or local agreements with parties in {register_dir}")
    oppnad = snapshot + timedelta(days=14 + (7 - snapshot.weekday()) % 7)  # a Monday two or three weeks later
    stangd = oppnad + timedelta(days=25)
    wave = Wave(
        "parter",
        str(oppnad.year),
        "Enkät till parterna i regionala och lokala överenskommelser",
        oppnad,
        stangd,
        "person",
        stangd + timedelta(days=rng.randint(3, 6)),
        CP1252,
        PARTER_QUESTIONS,
    )
    types_in: dict[str, set[str]] = {}
    for party in parties:
        types_in.setdefault(party.overenskommelse_id, set()).add(party.aktorstyp)
    answers: dict[str, dict[str, str]] = {}
    partial: set[str] = set()
    for party in parties:
        for _ in range(rng.choices([1, 2, 3], [50, 30, 20])[0]):
            rid = f"P{len(wave.urval) + 1:05d}"
            bounced = rng.random() < 0.07
            wave.urval.append(
                Respondent(
                    rid,
                    party.kommunkod,
                    party.lanskod,
                    party.organisation,
                    party.aktorstyp,
                    party.overenskommelse_id,
                    "felaktig_kontakt" if bounced else "ok",
                )
            )
            if bounced or rng.random() >= 0.62:
                continue
            if rng.random() < 0.06:
                partial.add(rid)
            answers[rid] = _party_answers(rng, party, types_in[party.overenskommelse_id])
    _finish(rng, wave, answers, partial)
    return wave


def _party_answers(rng: random.Random, party: Party, types_in_agreement: set[str]) -> dict[str, str]:
    mu = rng.gauss(0.2, 0.6)
    regional = party.niva == "regional"
    if rng.random() < 0.04:  # a few answer from the other perspective
        regional = not regional
    row = {
        "Q1": str(2 if regional else 1),  # PERSP: 1 lokal, 2 regional
        "Q2": str(rng.choices(ROLL.codes, [30, 25, 35, 10])[0]),
    }
    for delfraga, _, typ in ACTOR_ROWS:
        if rng.random() < 0.03:
            continue
        if typ == party.aktorstyp:  # one's own organisation
            code = SAMV.code("Tillhör själv aktören") if rng.random() < 0.92 else _grade(rng, SAMV, mu + 0.8)
        elif typ in types_in_agreement:
            code = (
                SAMV.code("Medverkar inte i samverkan")
                if rng.random() < 0.03
                else _grade(rng, SAMV, mu + (0.3 if typ == "arbetsformedlingen" else 0.0), 0.07)
            )
        else:
            r = rng.random()
            code = (
                SAMV.code("Medverkar inte i samverkan")
                if r < 0.62
                else SAMV.code("Ingen åsikt")
                if r < 0.8
                else _grade(rng, SAMV, mu - 0.3)
            )
        row[f"Q3_{delfraga}"] = str(code)
    if rng.random() > 0.03:
        row["Q4"] = str(_grade(rng, INST4, 0.5, 0.05))
    if rng.random() > 0.03:
        row["Q5"] = str(_grade(rng, INST4, mu, 0.1))
    if rng.random() < 0.8:
        row["Q6"] = str(min(40, int(rng.lognormvariate(1.6, 0.7))))
    if rng.random() < 0.3:
        row["Q7"] = rng.choice(PARTY_COMMENTS)
    return row


# ---------------------------------------------------------------- public API
def generate_surveys(out_dir: Path, register_dir: Path | None = None, seed: int = 1) -> list[Path]:
    """Write the five deliveries (kommunenkat, dua_samverkan 2021–2023, parter) into ``out_dir``.

    ``register_dir`` holds register deliveries written by :func:`ingestion.synthetic.register.generate_register`;
    the party survey's sample frame comes from its latest snapshot (a small made-up frame without it).
    Returns the delivery folders in that order.
    """
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    rng = random.Random(seed)
    municipalities = load_municipalities()
    waves = [
        _kommunenkat(rng, municipalities),
        *_dua_waves(rng, municipalities),
        _parter(rng, municipalities, register_dir),
    ]
    return [write_wave(out_dir, wave) for wave in waves]


ASPECTS = [
    "tillgängligheten",
    "bemötandet",
    "informationen",
    "planeringen",
    "uppföljningen",
    "samordningen",
    "kompetensen",
    "ledningens stöd",
    "lokalerna",
    "de digitala verktygen",
    "kontinuiteten",
    "arbetsgivarkontakterna",
]
STEMS = [
    "Hur nöjd är du med {a}?",
    "Hur bedömer du {a} i samverkan?",
    "Hur har {a} fungerat det senaste året?",
    "Hur väl fungerar {a} för målgruppen?",
]
LARGE_TEXTS = [
    "Bra samarbete",
    'Behöver "mer tid" för gemensam planering',
    "Svårt att nå rätt person; många byten",
    "Fungerar väl.\nMen uppföljningen kan bli bättre",
    "Inga synpunkter",
    "Lokalerna är för små – åtgärda",
]


def _large_questions(rng: random.Random, n_questions: int) -> list[Question]:
    """A mix of enval (JNV, KVAL, INST), matris, flerval, fritext and tal; a few enval asked conditionally."""
    types = rng.choices(["enval", "matris", "flerval", "fritext", "tal"], [55, 25, 10, 5, 5], k=n_questions)
    for typ in [t for t in TYPES if t not in types]:  # every type at least once, when there is room
        plenty = max(TYPES, key=types.count)
        if types.count(plenty) > 1:
            types[len(types) - 1 - types[::-1].index(plenty)] = typ
    options = [
        _scale(f"FLER{k}", [f"Alternativ {chr(64 + j)}" for j in range(1, k + 1)] + ["Annat"]) for k in (3, 4, 5)
    ]
    questions: list[Question] = []
    yes_no: list[str] = []
    for i, typ in enumerate(types, 1):
        text = rng.choice(STEMS).format(a=rng.choice(ASPECTS))
        if typ == "enval":
            scale = rng.choice([JNV, KVAL, INST, KVAL])
            villkor = f"{rng.choice(yes_no)}=1" if yes_no and rng.random() < 0.08 else ""
            if scale is JNV:
                text = f"Har ni {rng.choice(ASPECTS)} på plats?"
                if not villkor:
                    yes_no.append(f"Q{i}")
            questions.append(Question(f"Q{i}", typ, text, scale, villkor=villkor))
        elif typ == "matris":
            labels = rng.sample(ASPECTS, rng.randint(4, 8))
            questions.append(
                Question(
                    f"Q{i}",
                    typ,
                    text,
                    rng.choice([KVAL, INST]),
                    rows=tuple((f"r{k}", label.capitalize()) for k, label in enumerate(labels, 1)),
                )
            )
        elif typ == "flerval":
            questions.append(
                Question(f"Q{i}", typ, "Vilka av följande används? (flera svar möjliga)", rng.choice(options))
            )
        elif typ == "fritext":
            questions.append(Question(f"Q{i}", typ, f"Kommentera gärna {rng.choice(ASPECTS)}."))
        else:
            questions.append(Question(f"Q{i}", typ, "Ungefär hur många timmar per månad läggs på samverkan?"))
    return questions


def generate_large_survey(out_dir: Path, n_respondents: int = 5000, n_questions: int = 100, seed: int = 1) -> Path:
    """One valid delivery (``storenkat_<date>``, UTF-8 with BOM) with ``n_respondents`` rows in ``svar.csv``
    and ``n_questions`` questions, for benchmarks. Conditions are respected; no free-text coding."""
    if n_respondents < 1 or n_questions < 1:
        raise ValueError("n_respondents and n_questions must be at least 1")
    rng = random.Random(seed)
    municipalities = load_municipalities()
    questions = _large_questions(rng, n_questions)
    wave = Wave(
        "storenkat",
        "2025",
        "Stor enkät om samverkan (prestandatest)",
        date(2025, 9, 1),
        date(2025, 9, 30),
        "person",
        date(2025, 10, 3),
        UTF8_BOM,
        questions,
    )
    organisations = [
        ("kommun", "{m.name}"),
        ("arbetsformedlingen", "Arbetsförmedlingen {m.short}"),
        ("region_landsting", "Regionen"),
        ("ideell", "Röda Korset, {m.short}"),
    ]
    answered = 0
    while answered < n_respondents:
        m = municipalities[rng.randrange(len(municipalities))]
        typ, name = organisations[rng.choices(range(4), [50, 30, 12, 8])[0]]
        rid = f"S{len(wave.urval) + 1:06d}"
        r = rng.random()
        utskick = "felaktig_kontakt" if r < 0.02 else "ok"
        wave.urval.append(Respondent(rid, m.code, m.county, name.format(m=m), typ, "", utskick))
        if r < 0.2:  # bounced, or did not answer
            continue
        answered += 1
        mu = rng.gauss(0.2, 0.7)
        row: dict[str, str] = {}
        stop = rng.randint(1, n_questions) if rng.random() < 0.03 else n_questions  # delvis: stopped early
        for q in questions[:stop]:
            if q.villkor and row.get(q.villkor.split("=")[0]) != "1":
                continue
            if q.typ == "enval" and q.scale:
                if rng.random() > 0.03:
                    row[q.id] = str(_grade(rng, q.scale, mu, 0.05))
            elif q.typ == "matris" and q.scale:
                for column in q.columns():
                    if rng.random() > 0.02:
                        row[column] = str(_grade(rng, q.scale, mu, 0.06))
            elif q.typ == "flerval":
                if rng.random() > 0.03:
                    row.update(_flerval(rng, q, [0.5, 0.35, 0.25, 0.2, 0.15, 0.1][: len(q.columns())]))
            elif q.typ == "fritext":
                if rng.random() < 0.2:
                    row[q.id] = rng.choice(LARGE_TEXTS)
            elif rng.random() < 0.8:
                row[q.id] = _number(round(rng.lognormvariate(2.0, 0.8), 1))
        wave.svar[rid] = {
            "status": "delvis" if stop < n_questions else "komplett",
            "besvarad": _timestamp(rng, wave.oppnad, wave.stangd),
            **row,
        }
    return write_wave(Path(out_dir), wave)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m ingestion.synthetic.survey",
        description="Write synthetic survey exports (kommunenkat, dua_samverkan 2021-2023, parter).",
    )
    parser.add_argument("--out", type=Path, required=True, help="folder to write the deliveries into")
    parser.add_argument("--register", type=Path, help="folder with register deliveries (frame of the party survey)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument(
        "--large", type=int, metavar="N", help="instead: write one large delivery with N respondents (for benchmarks)"
    )
    parser.add_argument("--questions", type=int, default=100, help="questions in the large delivery")
    args = parser.parse_args(argv)
    if args.large:
        print(generate_large_survey(args.out, args.large, args.questions, args.seed))
        return 0
    for path in generate_surveys(args.out, args.register, args.seed):
        print(path)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
