"""Synthetic registry extracts (registerutdrag) of Arbetsförmedlingen, following the contract
``docs/contracts/registry_extracts.md``.

The real extracts are person-level and can never leave Arbetsförmedlingen, yet the warehouse has to be
demonstrated, tested and benchmarked on something that behaves like them. :func:`generate_registry` writes,
for a run of consecutive months,

* ``sokande_YYYYMM.txt`` (or ``.txt.gz``): ``|``-separated, Windows-1252, CRLF, no quoting. The rows come
  from a panel of persons followed month by month: people register (``INSKRIVNINGSDATUM`` in the month),
  stay, move between categories (11 → 14, 14 → 31/32, 15 while in etableringsprogrammet), and leave
  (``AVAKTUALISERINGSDATUM`` + ``AVAKTUALISERINGSORSAK``, empty ``SOKANDEKATEGORI``, gone the next month).
  About 9 % leave each month and are replaced by new and returning job seekers, so a month holds exactly
  ``rows_per_month`` valid rows. Shares are set to look like the national register: categories 11 ≈ 40 %,
  14 ≈ 25 %, 15 ≈ 6 %, 21/22 ≈ 12 %, 31/32 ≈ 9 %, 41 ≈ 7 % at month end; ETABLERING ≈ 6.5 % (born outside
  Europe, 20–60 years, at most 24 months, then N); ≈ 30 % registered for more than 12 months;
  FUNKTIONSNEDSATTNING ≈ 20 %; EKONOMISKT_BISTAND ≈ 12 %. Municipalities are weighted by a rough number of
  job seekers (Stockholm, Göteborg, Malmö … down to Bjurholm), so small ones give cells under 5 persons;
  about 2 % of all rows lose the leading zero of KOMMUNKOD (``180``) as real exports do.
  Every PNR is a valid personnummer (real date, serial whose 3rd digit is odd for men, Luhn check digit),
  written ``YYYYMMDDNNNN`` or, for about one person in ten, ``YYYYMMDD-NNNN``; a person keeps the same PNR
  in every file. As the contract allows, about 30 % of the newly arrived (those who enter
  etableringsprogrammet) have a samordningsnummer instead: the day of birth + 60, the same form and check
  digit (≈ 2.7 % of all rows), so the demo and the tests load both.
* ``jobbspar_YYYYMM.csv`` and ``jobbspar_deltagare_YYYYMM.csv`` (``;``, UTF-8 with BOM, CRLF like the
  samples): full snapshots of the local job tracks (one running or planned track per 2 000 job seekers, at
  least 5, plus the ended ones) and of every participation known at month end, ended ones included; those
  that ended before the first month belong to people no longer in the register. About 3 % of the job
  seekers take part at any time (``PROJEKTKOD`` on their rows while the participation has no ``slutdatum``;
  a person joins a track at most once). Those who end a track for work or studies mostly
  leave the register with the matching reason (01/02/03) within 90 days, as do about a third of those who
  leave etableringsprogrammet, so the warehouse's "transition within 90 days" figures are not trivial.
* ``sokandekategorier.csv`` and ``avaktualiseringsorsaker.csv``: the code lists, byte for byte as delivered.

On request a month carries a few rows that break the contract (check digit, impossible date, unknown
municipality, wrong MANAD, unknown category; at most 0.1 % so the month still loads), and ``invalid/``
gets a copy of a month with about 5 % bad rows, which must be rejected whole. :func:`write_jobseeker_month`
streams one standalone valid month of any size for benchmarks (memory does not grow with the size).

The panel state lives in numpy arrays and the lines are formatted in chunks, so a 500 000-row month takes
well under two seconds. Everything is drawn from ``numpy.random.default_rng(seed)``: a seed always gives
the same bytes. The bad rows use their own stream, so asking for them does not change the valid rows.
"""

from __future__ import annotations

import argparse
import csv
import gzip
import re
from collections.abc import Iterator, Sequence
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from datetime import date
from functools import cache
from pathlib import Path
from typing import BinaryIO

import numpy as np

from ingestion.core import config
from ingestion.core.personnummer import SAMORDNING_DAY_OFFSET
from ingestion.core.reference import municipality_codes
from ingestion.sources.registry.contract import (
    CATEGORY_FILE,
    HEADER,
    PARTICIPANT_COLUMNS,
    REASON_FILE,
    TRACK_COLUMNS,
)

# ---------------------------------------------------------------- the contract
SOKANDE_COLUMNS = list(HEADER)
JOBTRACK_COLUMNS = list(TRACK_COLUMNS)

# The code lists exactly as Arbetsförmedlingen delivers them (UTF-8, LF), kept here so a clone is self-contained.
SOKANDEKATEGORIER_CSV = (
    "kod;benamning;grupp\n"
    "11;Öppet arbetslös;oppet_arbetslos\n"
    "14;Arbetslös i program med aktivitetsstöd;program_med_aktivitetsstod\n"
    "15;Deltagare i etableringsprogrammet;program_med_aktivitetsstod\n"
    "21;Deltidsarbetslös;deltid_timanstalld\n"
    "22;Timanställd;deltid_timanstalld\n"
    "31;Anställd med lönebidrag;arbete_med_stod\n"
    "32;Anställd med nystartsjobb;arbete_med_stod\n"
    "41;Övriga inskrivna;ovriga\n"
)
AVAKTUALISERINGSORSAKER_CSV = (
    "kod;benamning;utfall\n"
    "01;Fått arbete utan stöd;arbete\n"
    "02;Fått arbete med stöd;arbete\n"
    "03;Börjat reguljär utbildning;studier\n"
    "04;Kontakt upphört, orsak okänd;okand\n"
    "05;Annan myndighet tagit över;annan_kontakt\n"
    "06;Flyttat utomlands;ovrigt\n"
    "07;Övriga orsaker;ovrigt\n"
)

CATEGORIES = ("11", "14", "15", "21", "22", "31", "32", "41")
C11, C14, C15, C21, C22, C31, C32, C41 = range(8)
NO_CATEGORY = len(CATEGORIES)  # the empty SOKANDEKATEGORI of a row whose registration ended in the month
REASONS = ("01", "02", "03", "04", "05", "06", "07")
R01, R02, R03, R04, R05, R06, R07 = range(7)
KON = ("K", "M")
REGIONS = ("SE", "EU", "UE")
SE, EU, UE = range(3)
TRACK_TYPES = ("branschriktat", "forberedande", "kort")
AFTER = ("osubventionerat_arbete", "subventionerat_arbete", "studier", "annat_jobbspar", "arbetsloshet", "ovrigt")
A_OSUB, A_SUB, A_STUDIER, A_ANNAT, A_ARBETSLOSHET, A_OVRIGT = range(6)

# ---------------------------------------------------------------- the model (monthly rates)
# Probability of leaving the register in a month by months since INSKRIVNINGSDATUM's month (0 = the month
# of registration, a part month). With these ≈ 9 % leave each month and ≈ 30 % have been registered for
# more than 12 months; people with a disability leave more slowly, people in etableringsprogrammet rarely.
HAZARD_STEPS = ((0, 0.05), (1, 0.115), (6, 0.10), (12, 0.105), (24, 0.095))
DISABILITY_HAZARD = 0.8
PROGRAMME_HAZARD = 0.02
PARTICIPANT_HAZARD = 0.35  # people taking part in a job track rarely leave the register in the middle of it
MAX_MONTHS = 180  # longest registration of the first month's stock (15 years)
P_DISABILITY = 0.17  # at registration; the slower exit brings the stock to ≈ 20 %
P_PROGRAMME = 0.048  # of the month's registrations; ≈ 6.5 % of the rows are in the programme
PROGRAMME_MONTHS = (12, 24)  # months in etableringsprogrammet, registration month included
P_PROGRAMME_EXIT_TRANSITION = 0.35  # leave the register for work/studies within 90 days of the programme
PROGRAMME_EXIT_REASONS = (0.5, 0.3, 0.2, 0, 0, 0, 0)
P_RETURNING = 0.25  # share of the month's new registrations that are people who left earlier
P_DASH = 0.10
# Of the newly arrived (entering etableringsprogrammet), those with a samordningsnummer: the tens digit of the
# serial below 3, so it draws nothing from the random stream and a seed gives the same rows as before otherwise.
SAMORDNING_TENS_BELOW = 3
P_DROPPED_ZERO = 0.06  # of the rows whose KOMMUNKOD starts with 0 (≈ 2 % of all rows)
REGION_WEIGHTS = (0.588, 0.10, 0.312)  # outside the programme (the programme adds UE/EU people)
SOCIAL_ASSISTANCE = (0.08, 0.12, 0.18)  # by FODELSEREGION
SOCIAL_ASSISTANCE_PROGRAMME = 0.08
# Single years of age at registration, 16–64: more young people.
AGE_WEIGHTS = np.repeat([0.5, 2.6, 2.4, 2.0, 1.7, 1.5, 1.0], [2, 7, 10, 10, 10, 5, 5])
AGES = np.arange(16, 65)
PROGRAMME_AGE_WEIGHTS = np.repeat([1.0, 2.2, 2.4, 1.6, 0.8], [5, 5, 10, 10, 11])
PROGRAMME_AGES = np.arange(20, 61)
# AVAKTUALISERINGSORSAK of people who leave on their own: young people more often start studies.
REASONS_YOUNG = (0.33, 0.05, 0.26, 0.21, 0.05, 0.02, 0.08)
REASONS_OLDER = (0.35, 0.09, 0.085, 0.22, 0.09, 0.032, 0.133)
# Category at registration, in the programme, and on leaving the programme.
CATEGORY_AT_START = (0.625, 0.12, 0, 0.065, 0.065, 0.015, 0.025, 0.085)
CATEGORY_IN_PROGRAMME = (0.04, 0.08, 0.88, 0, 0, 0, 0, 0)
CATEGORY_AFTER_PROGRAMME = (0.38, 0.42, 0, 0, 0, 0.04, 0.10, 0.06)
# Monthly moves between categories for those who stay (the rest of each row stays put).
CATEGORY_MOVES = {
    C11: {C14: 0.065, C21: 0.007, C22: 0.007, C31: 0.003, C32: 0.006, C41: 0.004},
    C14: {C11: 0.03, C31: 0.012, C32: 0.016, C41: 0.004},
    C21: {C11: 0.04, C22: 0.01},
    C22: {C11: 0.04, C21: 0.01},
    C31: {C11: 0.02, C14: 0.015},
    C32: {C11: 0.045, C14: 0.015},
    C41: {C11: 0.045, C14: 0.015},
    C15: {},
}

# Job tracks.
ROWS_PER_TRACK = 2_000
MIN_TRACKS = 5
P_PARTICIPATING = 0.03
PARTICIPATING_CATEGORIES = (C11, C14, C15, C21, C22, C41)
TRACK_TYPE_WEIGHTS = (0.6, 0.25, 0.15)
DROP_OUT = (0.015, 0.02, 0.04)  # monthly, by track type: leaving before the planned end (avbrott J)
HISTORIC_DROP_OUT = 0.2  # of the participations that ended before the first month
MEAN_PARTICIPATION_MONTHS = (7.0, 4.0, 2.0)  # by track type, to size the history of a track
AFTER_COMPLETED = (0.30, 0.17, 0.12, 0.05, 0.27, 0.09)
AFTER_DROPPED_OUT = (0.18, 0.06, 0.08, 0.06, 0.38, 0.24)
AFTER_LEAVING = {R01: A_OSUB, R02: A_SUB, R03: A_STUDIER}  # ended by leaving the register; else ovrigt
P_TRANSITION = 0.75  # of those who end a track for work or studies: leave the register within 90 days
TRANSITION_REASON = {A_OSUB: R01, A_SUB: R02, A_STUDIER: R03}
BRANSCHER = (
    ("Vård och omsorg", ("Undersköterska", "Vårdbiträde", "Personlig assistent")),
    ("Transport", ("Bussförare", "Lastbilschaufför")),
    ("Lager och logistik", ("Lagerarbetare", "Truckförare")),
    ("Förskola", ("Barnskötare",)),
    ("Bygg och anläggning", ("Byggnadsarbetare", "Anläggningsarbetare")),
    ("Industri", ("CNC-operatör", "Svetsare", "Montör")),
    ("Restaurang och storkök", ("Kock", "Restaurangbiträde", "Måltidsbiträde")),
    ("Städ och lokalvård", ("Lokalvårdare",)),
    ("Handel", ("Butikssäljare",)),
    ("Fastighetsskötsel", ("Fastighetsskötare",)),
    ("Skog och lantbruk", ("Skogsarbetare",)),
)
PREPARATORY = ("Svenska för yrkeslivet", "Vägen till arbete", "Jobbstart", "Arbetsträning", "Studiemotivation")
SHORT = (
    ("Lager och logistik", "lager"),
    ("Städ och lokalvård", "städ"),
    ("Restaurang och storkök", "restaurang"),
    ("Handel", "handel"),
    ("Vård och omsorg", "vård"),
)
AREAS = ("Nordost", "Sydväst", "Norra", "Södra", "Västra", "Östra", "Mitt", "Inlandet", "Kusten")

# Rough population in thousands of the largest and of a few of the smallest municipalities; the rest get a
# size by SKR municipality group. Multiplied by how common job seekers are, relative to the country.
POPULATION = {
    "0180": 985,
    "1480": 600,
    "1280": 362,
    "0380": 245,
    "0580": 166,
    "1880": 159,
    "1980": 157,
    "1283": 151,
    "0581": 145,
    "0680": 144,
    "2480": 131,
    "1281": 128,
    "1490": 115,
    "2180": 103,
    "0181": 102,
    "1780": 96,
    "0780": 97,
    "0184": 85,
    "2281": 99,
    "2580": 79,
    "0182": 107,
    "0127": 97,
    "0126": 115,
    "1380": 105,
    "0484": 107,
    "1481": 70,
    "0183": 55,
    "1485": 57,
    "1488": 59,
    "0880": 72,
    "1080": 66,
    "2380": 64,
    "1290": 86,
    "2080": 59,
    "2081": 52,
    "0160": 75,
    "0163": 75,
    "0123": 85,
    "0136": 96,
    "1384": 85,
    "1282": 46,
    "1383": 66,
    "2482": 76,
    "2284": 56,
    "1494": 40,
    "1496": 57,
    "0583": 44,
    "0480": 58,
    "1287": 46,
    "1293": 53,
    "0980": 61,
    "2403": 2.4,
    "2422": 2.4,
    "2418": 3.0,
    "2425": 2.6,
    "2506": 2.7,
    "2463": 2.8,
    "0512": 3.7,
    "2521": 6.0,
    "1864": 4.8,
}
GROUP_POPULATION = {"A1": 500, "A2": 35, "B3": 70, "B4": 20, "B5": 18, "C6": 35, "C7": 12, "C8": 8, "C9": 9}
JOBSEEKER_RATE = {
    "1280": 1.5,
    "0181": 1.5,
    "0127": 1.5,
    "0484": 1.45,
    "1782": 1.5,
    "1864": 1.4,
    "1488": 1.3,
    "1282": 1.4,
    "0581": 1.2,
    "2583": 1.2,
    "2180": 1.2,
    "0180": 0.85,
    "0162": 0.55,
    "0160": 0.6,
    "0186": 0.6,
    "0182": 0.75,
    "1384": 0.7,
    "1233": 0.6,
}

CHUNK_ROWS = 100_000
MAX_BAD_SHARE = 0.001
INVALID_BAD_SHARE = 0.05
BAD_KINDS = ("check_digit", "impossible_date", "unknown_kommunkod", "wrong_manad", "unknown_category")
UNKNOWN_KOMMUNKODER = ("0199", "0299", "1499", "2599", "9999", "0000")
UNKNOWN_CATEGORIES = ("12", "13", "99", "51")
IMPOSSIBLE_MONTH_DAYS = (230, 231, 431, 631, 931, 1131, 1301, 1000, 15)  # MMDD: 30 Feb … month 13, day 0, month 0
MONTHS_ARG = re.compile(r"(\d{6})(?:-(\d{6}))?")


# ---------------------------------------------------------------- calendar
_BASE = date(1900, 1, 1).toordinal()
_END = date(2100, 1, 1).toordinal()


@cache
def _calendar() -> tuple[np.ndarray, np.ndarray]:
    """ISO text (object array; the extra last entry is "") and YYYYMMDD of every day from 1900 to 2099."""
    days = [date.fromordinal(o) for o in range(_BASE, _END)]
    iso = np.array([d.isoformat() for d in days] + [""], dtype=object)
    ymd = np.array([d.year * 10_000 + d.month * 100 + d.day for d in days], dtype=np.int64)
    return iso, ymd


def _iso(ordinals: np.ndarray) -> list[str]:
    """Dates as ISO text; 0 (no date) becomes ""."""
    iso, _ = _calendar()
    index = np.where(ordinals > 0, ordinals - _BASE, len(iso) - 1)
    return iso[index].tolist()


def _month_index(month: str) -> int:
    if not re.fullmatch(r"\d{6}", month) or not 1 <= int(month[4:]) <= 12:
        raise ValueError(f"not a month YYYYMM: {month!r}")
    return int(month[:4]) * 12 + int(month[4:]) - 1


def _month_name(m: int) -> str:
    return f"{m // 12:04d}{m % 12 + 1:02d}"


def _month_bounds(m: int) -> tuple[int, int]:
    """First and last day of month index ``m`` as ordinals."""
    first = date(m // 12, m % 12 + 1, 1).toordinal()
    following = date((m + 1) // 12, (m + 1) % 12 + 1, 1).toordinal()
    return first, following - 1


def _months_of(ordinals: np.ndarray) -> np.ndarray:
    _, ymd = _calendar()
    value = ymd[ordinals - _BASE]
    return (value // 10_000) * 12 + (value // 100) % 100 - 1


def _year_start(years: np.ndarray) -> np.ndarray:
    """Ordinal of 1 January of each year (vectorised, proleptic Gregorian)."""
    y = years.astype(np.int64) - 1
    return y * 365 + y // 4 - y // 100 + y // 400 + 1


def _is_leap(years: np.ndarray) -> np.ndarray:
    return (years % 4 == 0) & ((years % 100 != 0) | (years % 400 == 0))


def _mondays_on_or_after(ordinals: np.ndarray | int) -> np.ndarray:
    """The Monday on or after each day (ordinal 1 is a Monday)."""
    o = np.asarray(ordinals, dtype=np.int64)
    return o + (1 - o) % 7


def _fridays_on_or_before(ordinals: np.ndarray | int) -> np.ndarray:
    o = np.asarray(ordinals, dtype=np.int64)
    return o - (o - 5) % 7


# ---------------------------------------------------------------- municipalities
@dataclass(frozen=True)
class _Municipalities:
    codes: list[str]
    short: list[str]
    county: list[str]
    weight: np.ndarray  # share of the country's job seekers
    county_short: dict[str, str]


@cache
def _municipalities() -> _Municipalities:
    """The 290 official codes (``ingestion.reference``) with names and a rough number of job seekers."""
    official = municipality_codes()
    with open(config.REFERENCE_DIR / "municipalities.csv", encoding="utf-8-sig", newline="") as f:
        rows = sorted(
            (r for r in csv.DictReader(f) if r["municipality_code"] in official), key=lambda r: r["municipality_code"]
        )
    with open(config.REFERENCE_DIR / "skr_kommungrupp.csv", encoding="utf-8-sig", newline="") as f:
        group = {r["municipality_code"]: r["kommungrupp_code"] for r in csv.DictReader(f)}
    with open(config.REFERENCE_DIR / "counties.csv", encoding="utf-8-sig", newline="") as f:
        county_short = {r["county_code"]: r["county_name_short"] for r in csv.DictReader(f)}
    codes = [r["municipality_code"] for r in rows]
    if len(codes) != len(official):
        raise RuntimeError("the reference copy of municipalities.csv does not hold every official code")
    # a fixed, seed-independent spread so municipalities of one group differ in size
    spread = np.random.default_rng(290).lognormal(0.0, 0.35, len(codes))
    weight = np.array(
        [
            POPULATION.get(code, GROUP_POPULATION.get(group.get(code, ""), 15) * spread[i])
            * JOBSEEKER_RATE.get(code, 1.0)
            for i, code in enumerate(codes)
        ]
    )
    return _Municipalities(
        codes,
        [r["municipality_name_short"] for r in rows],
        [r["county_code"] for r in rows],
        weight / weight.sum(),
        county_short,
    )


# ---------------------------------------------------------------- personnummer
def _luhn(ymd: np.ndarray, serial: np.ndarray) -> np.ndarray:
    """Check digit of YYMMDD + three-digit serial (the Luhn algorithm over the nine digits)."""
    number = (ymd % 1_000_000) * 1000 + serial
    total = np.zeros(len(number), dtype=np.int64)
    for position in range(9):  # position 0 is the rightmost digit, weight 1; the leftmost has weight 2
        digit = (number // 10**position) % 10
        doubled = digit * (2 if position % 2 == 0 else 1)
        total += doubled // 10 + doubled % 10
    return ((10 - total % 10) % 10).astype(np.int8)


class _PnrRegister:
    """Which (birth date, serial) pairs are taken, so two persons never share a personnummer."""

    def __init__(self) -> None:
        self.taken = np.zeros((_END - _BASE) * 1000, dtype=bool)

    def draw_serials(
        self, rng: np.random.Generator, birth: np.ndarray, kon: np.ndarray, reserve: bool = True
    ) -> np.ndarray:
        """Free serials (the third digit odd for men, even for women); reserved unless ``reserve`` is False."""
        serial = np.empty(len(birth), dtype=np.int64)
        day = (birth.astype(np.int64) - _BASE) * 1000
        todo = np.arange(len(birth))
        while len(todo):
            serial[todo] = rng.integers(0, 100, len(todo)) * 10 + rng.integers(0, 5, len(todo)) * 2 + kon[todo]
            key = day[todo] + serial[todo]
            clash = self.taken[key]
            _, first = np.unique(key, return_index=True)  # the same new key twice in this batch
            repeated = np.ones(len(todo), dtype=bool)
            repeated[first] = False
            again = clash | repeated
            self.taken[key[~again]] = True  # taken at once, so a serial drawn again cannot land on them
            todo = todo[again]
        if not reserve:
            self.taken[day + serial] = False
        return serial


def _pnr_texts(
    birth: np.ndarray, serial: np.ndarray, check: np.ndarray, dash: np.ndarray, samordning: np.ndarray
) -> list[str]:
    _, ymd = _calendar()
    number = (ymd[birth - _BASE] + SAMORDNING_DAY_OFFSET * samordning) * 10_000 + serial.astype(np.int64) * 10 + check
    texts = list(map(str, number.tolist()))
    for i in np.flatnonzero(dash).tolist():
        texts[i] = f"{texts[i][:8]}-{texts[i][8:]}"
    return texts


# ---------------------------------------------------------------- persons
_FIELDS: tuple[tuple[str, type, int], ...] = (
    ("birth", np.int32, 0),
    ("serial", np.int16, 0),
    ("check", np.int8, 0),
    ("dash", np.bool_, 0),
    ("samordning", np.bool_, 0),
    ("kon", np.int8, 0),
    ("region", np.int8, 0),
    ("kommun", np.int16, 0),
    ("funk", np.bool_, 0),
    ("eb", np.bool_, 0),
    ("programme_end", np.int32, -1),
    ("programme_category", np.int8, C15),
    ("reg_month", np.int32, 0),
    ("inskr", np.int32, 0),
    ("category", np.int8, C11),
    ("forced_day", np.int32, 0),
    ("forced_reason", np.int8, 0),
    ("retire_day", np.int32, 0),
    ("left_month", np.int32, -1),
    ("returnable", np.bool_, 0),
    ("part", np.int32, -1),
)


class _People:
    """Every person of the panel (and the past participants of job tracks) as growable numpy columns."""

    def __init__(self, capacity: int) -> None:
        self.n = 0
        self.capacity = max(capacity, 1024)
        for name, dtype, fill in _FIELDS:
            setattr(self, name, np.full(self.capacity, fill, dtype=dtype))

    def add(self, columns: dict[str, np.ndarray]) -> np.ndarray:
        count = len(columns["birth"])
        if self.n + count > self.capacity:
            self.capacity = max(self.n + count, self.capacity * 3 // 2)
            for name, dtype, fill in _FIELDS:
                old = getattr(self, name)
                new = np.full(self.capacity, fill, dtype=dtype)
                new[: self.n] = old[: self.n]
                setattr(self, name, new)
        ids = np.arange(self.n, self.n + count)
        for name, values in columns.items():
            getattr(self, name)[ids] = values
        self.n += count
        return ids


def _choice(rng: np.random.Generator, weights: Sequence[float] | np.ndarray, size: int) -> np.ndarray:
    cumulative = np.cumsum(np.asarray(weights, dtype=float))
    return np.minimum(np.searchsorted(cumulative / cumulative[-1], rng.random(size), side="right"), len(cumulative) - 1)


def _draw_rows(rng: np.random.Generator, cumulative: np.ndarray, rows: np.ndarray) -> np.ndarray:
    """One draw per element from the distribution in row ``rows[i]`` of a table of cumulative weights."""
    u = rng.random(len(rows))
    return np.minimum((u[:, None] >= cumulative[rows]).sum(axis=1), cumulative.shape[1] - 1)


def _demographics(
    rng: np.random.Generator, pnr: _PnrRegister, programme: np.ndarray, birth_year: np.ndarray, reserve: bool = True
) -> dict[str, np.ndarray]:
    """Static traits of new persons; ``birth_year`` is given (it depends on when they register)."""
    n = len(programme)
    towns = _municipalities()
    kon = rng.integers(0, 2, n).astype(np.int8)
    region = _choice(rng, REGION_WEIGHTS, n).astype(np.int8)
    region[programme] = np.where(rng.random(int(programme.sum())) < 0.9, UE, EU)
    leap = _is_leap(birth_year)
    birth = _year_start(birth_year) + (rng.random(n) * np.where(leap, 366, 365)).astype(np.int64)
    serial = pnr.draw_serials(rng, birth, kon, reserve)
    samordning = programme & (serial // 10 % 10 < SAMORDNING_TENS_BELOW)
    _, ymd = _calendar()
    eb_rate = np.where(programme, SOCIAL_ASSISTANCE_PROGRAMME, np.asarray(SOCIAL_ASSISTANCE)[region])
    return {
        "birth": birth,
        "serial": serial,
        "check": _luhn(ymd[birth - _BASE] + SAMORDNING_DAY_OFFSET * samordning, serial),
        "dash": rng.random(n) < P_DASH,
        "samordning": samordning,
        "kon": kon,
        "region": region,
        "kommun": _choice(rng, towns.weight, n),
        "eb": rng.random(n) < eb_rate,
        "retire_day": birth + 24_106,  # about the 66th birthday: the registration ends then (reason 07)
    }


class _Model:
    """The stationary mix of the register, used to draw the first month's stock (and standalone months)."""

    def __init__(self) -> None:
        self.hazard = np.zeros(MAX_MONTHS + 1)
        for start, rate in HAZARD_STEPS:
            self.hazard[start:] = rate
        moves = np.zeros((8, 8))
        for source, targets in CATEGORY_MOVES.items():
            for target, p in targets.items():
                moves[source, target] = p
            moves[source, source] = 1 - sum(targets.values())
        self.moves = np.cumsum(moves, axis=1)
        self.at_start = np.asarray(CATEGORY_AT_START, dtype=float) / sum(CATEGORY_AT_START)
        self.in_programme = np.asarray(CATEGORY_IN_PROGRAMME, dtype=float) / sum(CATEGORY_IN_PROGRAMME)
        self.after_programme = np.asarray(CATEGORY_AFTER_PROGRAMME, dtype=float) / sum(CATEGORY_AFTER_PROGRAMME)
        # category distribution d months after registration, and d months after leaving the programme
        self.by_duration = np.cumsum(self._propagate(self.at_start, moves), axis=1)
        self.after_exit = np.cumsum(self._propagate(self.after_programme, moves), axis=1)
        # stock weights: non-programme (with/without disability) by duration; programme by (length, duration)
        self.survival = {
            funk: self._survival(self.hazard * (DISABILITY_HAZARD if funk else 1.0)) for funk in (False, True)
        }
        lengths = np.arange(PROGRAMME_MONTHS[0], PROGRAMME_MONTHS[1] + 1)
        self.programme_lengths = lengths
        programme = np.zeros((2, len(lengths), MAX_MONTHS + 1))
        for funk in (False, True):
            base = self.hazard * (DISABILITY_HAZARD if funk else 1.0)
            for i, length in enumerate(lengths):
                h = base.copy()
                h[:length] = PROGRAMME_HAZARD
                h[length : length + 3] += P_PROGRAMME_EXIT_TRANSITION / 3
                programme[int(funk), i] = self._survival(h) / len(lengths)
        self.programme = programme
        inflow = {
            (e, f): (P_PROGRAMME if e else 1 - P_PROGRAMME) * (P_DISABILITY if f else 1 - P_DISABILITY)
            for e in (False, True)
            for f in (False, True)
        }
        self.type_weight = np.array(
            [
                inflow[(False, False)] * self.survival[False].sum(),
                inflow[(False, True)] * self.survival[True].sum(),
                inflow[(True, False)] * programme[0].sum(),
                inflow[(True, True)] * programme[1].sum(),
            ]
        )

    @staticmethod
    def _survival(hazard: np.ndarray) -> np.ndarray:
        """Share of a cohort still registered at the start of each month since registration."""
        return np.concatenate([[1.0], np.cumprod(1 - np.minimum(hazard, 1.0))[:-1]])

    @staticmethod
    def _propagate(start: np.ndarray, moves: np.ndarray) -> np.ndarray:
        out = np.zeros((MAX_MONTHS + 1, 8))
        out[0] = start
        for d in range(1, MAX_MONTHS + 1):
            out[d] = out[d - 1] @ moves
        return out

    def monthly_hazard(self, duration: np.ndarray, funk: np.ndarray, in_programme: np.ndarray) -> np.ndarray:
        h = self.hazard[np.minimum(duration, MAX_MONTHS)] * np.where(funk, DISABILITY_HAZARD, 1.0)
        return np.where(in_programme, PROGRAMME_HAZARD, h)


def _reg_age_birth_year(
    rng: np.random.Generator, programme: np.ndarray, reg_year: np.ndarray, year_now: int
) -> np.ndarray:
    """Birth years from the age at registration; nobody is older than 65 (by year) in ``year_now``: those
    would have left at 66, so their age is drawn again (a long registration makes an older person)."""
    age = np.zeros(len(programme), dtype=np.int64)
    todo = np.arange(len(programme))
    for _ in range(20):
        if not len(todo):
            break
        age[todo] = AGES[_choice(rng, AGE_WEIGHTS, len(todo))]
        in_programme = todo[programme[todo]]
        age[in_programme] = PROGRAMME_AGES[_choice(rng, PROGRAMME_AGE_WEIGHTS, len(in_programme))]
        todo = todo[year_now - (reg_year[todo] - age[todo]) > 65]
    return np.maximum(reg_year - age, year_now - 65)


def _sample_stock(rng: np.random.Generator, model: _Model, pnr: _PnrRegister, n: int, m: int) -> dict[str, np.ndarray]:
    """``n`` persons registered at some time in month ``m``, drawn from the register's steady state."""
    kind = _choice(rng, model.type_weight, n)  # 0/1: not in the programme (funk no/yes), 2/3: programme
    programme = kind >= 2
    funk = (kind == 1) | (kind == 3)
    duration = np.zeros(n, dtype=np.int64)
    length = np.zeros(n, dtype=np.int64)
    for f in (False, True):
        plain = (~programme) & (funk == f)
        duration[plain] = _choice(rng, model.survival[f], int(plain.sum()))
        entrant = programme & (funk == f)
        flat = _choice(rng, model.programme[int(f)].ravel(), int(entrant.sum()))
        length[entrant] = model.programme_lengths[flat // (MAX_MONTHS + 1)]
        duration[entrant] = flat % (MAX_MONTHS + 1)
    reg_month = m - duration
    category = _draw_rows(rng, model.by_duration, duration)
    in_programme = programme & (duration < length)
    programme_category = _choice(rng, model.in_programme, n)
    category[in_programme] = programme_category[in_programme]
    exited = programme & ~in_programme
    category[exited] = _draw_rows(rng, model.after_exit, np.minimum(duration - length, MAX_MONTHS)[exited])
    birth_year = _reg_age_birth_year(rng, programme, reg_month // 12, m // 12)
    columns = _demographics(rng, pnr, programme, birth_year)
    # INSKRIVNINGSDATUM: a day in the registration month
    starts = np.array([_month_bounds(x)[0] for x in range(int(reg_month.min()), int(reg_month.max()) + 2)])
    lo = starts[reg_month - reg_month.min()]
    hi = starts[reg_month - reg_month.min() + 1] - 1
    inskr = lo + (rng.random(n) * (hi - lo + 1)).astype(np.int64)
    columns.update(
        {
            "funk": funk,
            "programme_end": np.where(programme, reg_month + length - 1, -1),
            "programme_category": programme_category,
            "reg_month": reg_month,
            "inskr": inskr,
            "category": category,
        }
    )
    return columns


def _leaving(
    rng: np.random.Generator,
    model: _Model,
    m: int,
    columns: dict[str, np.ndarray] | _People,
    rows: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Who leaves in month ``m`` (day, 0 = stays) and why, from the monthly hazard, scheduled transitions
    and the 66th birthday. ``columns`` are person columns, ``rows`` the persons of the month (None = all)."""

    def col(name: str) -> np.ndarray:
        values = columns[name] if isinstance(columns, dict) else getattr(columns, name)
        return values if rows is None else values[rows]

    first, last = _month_bounds(m)
    inskr = col("inskr")
    n = len(inskr)
    duration = m - col("reg_month")
    hazard = model.monthly_hazard(duration, col("funk"), col("programme_end") >= m)
    if not isinstance(columns, dict):
        hazard = np.where(col("part") >= 0, hazard * PARTICIPANT_HAZARD, hazard)
    lo = np.maximum(first, inskr)
    day = lo + (rng.random(n) * (last - lo + 1)).astype(np.int64)
    leave = rng.random(n) < hazard
    young = (m // 12 - _calendar()[1][col("birth") - _BASE] // 10_000) <= 24
    reason = np.where(young, _choice(rng, REASONS_YOUNG, n), _choice(rng, REASONS_OLDER, n))
    forced = col("forced_day")
    scheduled = (forced >= first) & (forced <= last)
    day = np.where(scheduled, np.maximum(forced, lo), day)
    reason = np.where(scheduled, col("forced_reason"), reason)
    retire = col("retire_day") <= last
    day = np.where(retire & ~scheduled, np.clip(col("retire_day"), lo, last), day)
    reason = np.where(retire & ~scheduled, R07, reason)
    leave |= scheduled | retire
    return np.where(leave, day, 0), reason.astype(np.int8)


# ---------------------------------------------------------------- formatting
class _Lines:
    """Lookup tables that turn the columns of a month into ``sokande`` lines quickly."""

    YEARS = (1900, 2100)

    def __init__(self, m: int) -> None:
        self.manad = _month_name(m)
        self.first, self.last = _month_bounds(m)
        towns = _municipalities()
        self.kommun = np.array(towns.codes + [c[1:] if c.startswith("0") else c for c in towns.codes], dtype=object)
        self.has_zero = np.array([c.startswith("0") for c in towns.codes])
        self.middle = _middle_table()
        leave = [f"{d}|{r}" for d in _iso(np.arange(self.first, self.last + 1)) for r in REASONS]
        self.leave = np.array(leave + ["|"], dtype=object)

    def format(
        self,
        rng: np.random.Generator,
        pnr: list[str],
        kommun: np.ndarray,
        kon: np.ndarray,
        birth_year: np.ndarray,
        region: np.ndarray,
        category: np.ndarray,
        etab: np.ndarray,
        funk: np.ndarray,
        eb: np.ndarray,
        inskr: np.ndarray,
        leave_day: np.ndarray,
        reason: np.ndarray,
        projekt: list[str],
    ) -> list[str]:
        n = len(pnr)
        drop = self.has_zero[kommun] & (rng.random(n) < P_DROPPED_ZERO)
        kommun_text = self.kommun[kommun + drop * len(self.has_zero)].tolist()
        category = np.where(leave_day > 0, NO_CATEGORY, category)
        middle = (
            (
                (
                    ((kon.astype(np.int64) * (self.YEARS[1] - self.YEARS[0]) + birth_year - self.YEARS[0]) * 3 + region)
                    * 9
                    + category
                )
                * 2
                + etab
            )
            * 2
            + funk
        ) * 2 + eb
        middle_text = self.middle[middle].tolist()
        leave_index = np.where(leave_day > 0, (leave_day - self.first) * len(REASONS) + reason, len(self.leave) - 1)
        leave_text = self.leave[leave_index].tolist()
        inskr_text = _iso(inskr)
        manad = self.manad
        return [
            f"{p}|{manad}|{k}|{mid}|{i}|{lv}|{pk}"
            for p, k, mid, i, lv, pk in zip(pnr, kommun_text, middle_text, inskr_text, leave_text, projekt, strict=True)
        ]


@cache
def _middle_table() -> np.ndarray:
    """``KON|FODELSEAR|FODELSEREGION|SOKANDEKATEGORI|ETABLERING|FUNKTIONSNEDSATTNING|EKONOMISKT_BISTAND``
    for every combination, indexed as in :meth:`_Lines.format`."""
    categories = (*CATEGORIES, "")
    return np.array(
        [
            f"{kon}|{year}|{region}|{category}|{etab}|{funk}|{eb}"
            for kon in KON
            for year in range(*_Lines.YEARS)
            for region in REGIONS
            for category in categories
            for etab in "NJ"
            for funk in "NJ"
            for eb in "NJ"
        ],
        dtype=object,
    )


@contextmanager
def _open_binary(path: Path) -> Iterator[BinaryIO]:
    """A file to write bytes to; gzip-compressed (no name, time 0: reproducible bytes) if it ends in .gz."""
    with open(path, "wb") as raw:
        if path.name.endswith(".gz"):
            with gzip.GzipFile(filename="", mode="wb", fileobj=raw, compresslevel=6, mtime=0) as zipped:
                yield zipped  # type: ignore[misc]
        else:
            yield raw


def _write_chunk(out: BinaryIO, lines: list[str]) -> None:
    # Every character the generator writes in a sokande file is ASCII, and ASCII bytes are Windows-1252
    # bytes; the ASCII codec is several times faster than cp1252's charmap.
    if lines:
        out.write(("\r\n".join(lines) + "\r\n").encode("ascii"))


def _header() -> bytes:
    return ("|".join(SOKANDE_COLUMNS) + "\r\n").encode("cp1252")


def _write_csv(path: Path, header: list[str], rows: list[str]) -> Path:
    """``;``-separated, UTF-8 with BOM, CRLF (the jobbspar files); ``rows`` are already joined lines."""
    with open(path, "w", encoding="utf-8-sig", newline="") as f:
        f.write(";".join(header) + "\r\n")
        if rows:
            f.write("\r\n".join(rows) + "\r\n")
    return path


def write_code_lists(out_dir: Path) -> list[Path]:
    """``sokandekategorier.csv`` and ``avaktualiseringsorsaker.csv`` exactly as delivered."""
    paths = []
    for name, text in ((CATEGORY_FILE, SOKANDEKATEGORIER_CSV), (REASON_FILE, AVAKTUALISERINGSORSAKER_CSV)):
        path = Path(out_dir) / name
        path.write_bytes(text.encode("utf-8"))
        paths.append(path)
    return paths


# ---------------------------------------------------------------- bad rows
def _bad_lines(rng: np.random.Generator, pnr: _PnrRegister, m: int, n: int) -> list[str]:
    """``n`` rows that each break one rule of the contract (the kinds in turn, in a random order). They are
    made-up persons outside the panel, so setting them aside does not punch holes in anybody's history."""
    if n <= 0:
        return []
    first, _ = _month_bounds(m)
    programme = np.zeros(n, dtype=bool)
    columns = _demographics(rng, pnr, programme, m // 12 - AGES[_choice(rng, AGE_WEIGHTS, n)], reserve=False)
    _, ymd = _calendar()
    known = municipality_codes()
    unknown = [c for c in UNKNOWN_KOMMUNKODER if c not in known]
    towns = _municipalities()
    kinds = np.resize(rng.permutation(len(BAD_KINDS)), n)
    rng.shuffle(kinds)
    inskr = _iso(first - rng.integers(0, 700, n))
    lines = []
    for i in range(n):
        birth_ymd = int(ymd[columns["birth"][i] - _BASE])
        serial, check = int(columns["serial"][i]), int(columns["check"][i])
        kind = BAD_KINDS[kinds[i]]
        if kind == "check_digit":
            check = (check + int(rng.integers(1, 10))) % 10
        elif kind == "impossible_date":
            y = birth_ymd // 10_000
            month_day = IMPOSSIBLE_MONTH_DAYS[int(rng.integers(0, len(IMPOSSIBLE_MONTH_DAYS)))]
            birth_ymd = y * 10_000 + month_day
            check = int(_luhn(np.array([birth_ymd]), np.array([serial]))[0])
        number = f"{birth_ymd:08d}{serial:03d}{check}"
        pnr_text = f"{number[:8]}-{number[8:]}" if columns["dash"][i] else number
        kommun = towns.codes[int(columns["kommun"][i])]
        manad = _month_name(m)
        category = CATEGORIES[int(_choice(rng, (0.45, 0.27, 0, 0.13, 0, 0.08, 0, 0.07), 1)[0])]
        if kind == "unknown_kommunkod":
            kommun = unknown[int(rng.integers(0, len(unknown)))]
        elif kind == "wrong_manad":
            manad = _month_name(m - 1 if rng.random() < 0.7 else m + 1)
        elif kind == "unknown_category":
            category = UNKNOWN_CATEGORIES[int(rng.integers(0, len(UNKNOWN_CATEGORIES)))]
        fields = [
            pnr_text,
            manad,
            kommun,
            KON[int(columns["kon"][i])],
            str(birth_ymd // 10_000),
            REGIONS[int(columns["region"][i])],
            category,
            "N",
            "J" if rng.random() < 0.2 else "N",
            "J" if columns["eb"][i] else "N",
            inskr[i],
            "",
            "",
            "",
        ]
        lines.append("|".join(fields))
    return lines


def _merge(good: list[str], bad: list[str], positions: np.ndarray) -> list[str]:
    """``good`` with ``bad[i]`` inserted before good line ``positions[i]`` (sorted)."""
    if not bad:
        return good
    out: list[str] = []
    previous = 0
    for position, line in zip(positions.tolist(), bad, strict=True):
        out.extend(good[previous:position])
        out.append(line)
        previous = position
    out.extend(good[previous:])
    return out


# ---------------------------------------------------------------- job tracks
@dataclass
class _Track:
    code: str
    namn: str
    kommuner: list[int]
    typ: int
    bransch: str
    start: int
    planned_end: int  # 0: open-ended
    employers: int
    end: int = 0

    def status(self, last: int) -> str:
        if self.end and self.end <= last:
            return "avslutat"
        return "planerat" if self.start > last else "aktivt"

    def row(self, last: int) -> str:
        towns = _municipalities()
        status = self.status(last)
        employers = max(self.employers, 1) if status == "aktivt" else self.employers
        end = date.fromordinal(self.end).isoformat() if self.end and self.end <= last else ""
        return ";".join(
            [
                self.code,
                self.namn,
                ",".join(towns.codes[k] for k in self.kommuner),
                TRACK_TYPES[self.typ],
                self.bransch,
                date.fromordinal(self.start).isoformat(),
                end,
                status,
                str(employers),
            ]
        )


class _JobTracks:
    """Local job tracks and their participants, stepped month by month together with the register."""

    def __init__(self, rng: np.random.Generator, rows_per_month: int) -> None:
        self.rng = rng
        self.n_live = max(MIN_TRACKS, rows_per_month // ROWS_PER_TRACK)
        self.target = max(1, round(P_PARTICIPATING * rows_per_month))
        self.tracks: list[_Track] = []
        self.numbers: dict[int, int] = {}
        self.p_track: list[int] = []
        self.p_person: list[int] = []
        self.p_start: list[int] = []
        self.p_planned: list[int] = []
        self.p_end: list[int] = []
        self.p_avbrott: list[str] = []
        self.p_after: list[str] = []
        self.p_cancelled: list[bool] = []
        self.active: list[int] = []  # participations without an end (started or still to start)
        self.ended: list[int] = []  # participations ended since the last snapshot was written
        self.final_lines: list[str] = []  # snapshot lines of ended participations: they never change
        self.joined: dict[int, set[int]] = {}  # person → tracks taken part in

    # -- tracks
    def _new_track(self, start: int) -> _Track:
        rng = self.rng
        towns = _municipalities()
        lead = int(_choice(rng, towns.weight, 1)[0])
        kommuner = [lead]
        extra = int(_choice(rng, (0.6, 0.25, 0.15), 1)[0])
        neighbours = [k for k, c in enumerate(towns.county) if c == towns.county[lead] and k != lead]
        if extra and neighbours:
            w = towns.weight[neighbours]
            picked = rng.choice(len(neighbours), size=min(extra, len(neighbours)), replace=False, p=w / w.sum())
            kommuner += [neighbours[i] for i in sorted(picked.tolist())]
        typ = int(_choice(rng, TRACK_TYPE_WEIGHTS, 1)[0])
        place = (
            towns.short[lead]
            if len(kommuner) == 1
            else (f"{towns.county_short[towns.county[lead]]} {AREAS[int(rng.integers(0, len(AREAS)))]}")
        )
        if typ == 0:
            bransch, titles = BRANSCHER[int(rng.integers(0, len(BRANSCHER)))]
            namn = f"{titles[int(rng.integers(0, len(titles)))]} {place}"
            months = 0 if rng.random() < 0.3 else int(rng.integers(12, 37))
        elif typ == 1:
            bransch = "" if rng.random() < 0.6 else "Flera branscher"
            namn = f"{PREPARATORY[int(rng.integers(0, len(PREPARATORY)))]} {place}"
            months = int(rng.integers(6, 25))
        else:
            bransch, word = SHORT[int(rng.integers(0, len(SHORT)))]
            namn = f"Kort jobbspår {word} {place}"
            months = int(rng.integers(2, 7))
        start = int(_mondays_on_or_after(start))
        planned_end = int(_fridays_on_or_before(start + round(months * 30.44))) if months else 0
        employers = int(rng.integers(1, 9)) if typ == 0 else int(rng.integers(1, 5))
        return _Track("", namn, kommuner, typ, bransch, start, planned_end, employers)

    def _append(self, track: _Track) -> None:
        """Give the track its code (``JS-<lead kommunkod>-<NNNN>``, numbered per lead municipality)."""
        lead = track.kommuner[0]
        self.numbers[lead] = self.numbers.get(lead, int(self.rng.integers(0, 30))) + int(self.rng.integers(1, 4))
        track.code = f"JS-{_municipalities().codes[lead]}-{self.numbers[lead]:04d}"
        self.tracks.append(track)

    def _live(self, last: int, tracks: list[_Track] | None = None) -> int:
        return sum(1 for t in (self.tracks if tracks is None else tracks) if not t.end or t.end > last)

    def _planned_ends(self, track: _Track, start: np.ndarray) -> np.ndarray:
        """Planned last day of participations starting on ``start``: the whole of a short track, 2–6 months
        of a preparatory one, 4–10 months of an occupational one; never after the track's planned end."""
        rng = self.rng
        n = len(start)
        if track.typ == 2:
            planned = np.full(n, track.planned_end) if track.planned_end else start + rng.integers(42, 85, n)
        elif track.typ == 1:
            planned = start + rng.integers(60, 181, n)
        else:
            planned = start + rng.integers(120, 301, n)
        if track.planned_end:
            planned = np.minimum(planned, track.planned_end)
        return np.maximum(planned, start + 14)

    def _planned_end(self, track: _Track, start: int) -> int:
        return int(self._planned_ends(track, np.array([start], dtype=np.int64))[0])

    def _add(self, track: int, person: int, start: int, planned: int, people: _People) -> int:
        p = len(self.p_track)
        self.p_track.append(track)
        self.p_person.append(person)
        self.p_start.append(start)
        self.p_planned.append(planned)
        self.p_end.append(0)
        self.p_avbrott.append("")
        self.p_after.append("")
        self.p_cancelled.append(False)
        self.joined.setdefault(person, set()).add(track)
        people.part[person] = p
        return p

    def _options(self, covering: dict[int, list[int]], people: _People, person: int) -> list[int]:
        """Tracks the person can join: running in their municipality and not joined before (a track's
        participants file holds a person at most once)."""
        joined = self.joined.get(person, ())
        return [i for i in covering.get(int(people.kommun[person]), ()) if i not in joined]

    def _covering(self, first: int, last: int) -> dict[int, list[int]]:
        """Municipality → tracks running at ``last`` (started by then and not ended)."""
        covering: dict[int, list[int]] = {}
        for index, t in enumerate(self.tracks):
            if t.start <= last and (not t.end or t.end > last):
                for k in t.kommuner:
                    covering.setdefault(k, []).append(index)
        return covering

    # -- the first month
    def start(self, m: int, people: _People, rows: np.ndarray, pnr: _PnrRegister) -> None:
        """Tracks and participations as they stand when the first month begins, with their history."""
        rng = self.rng
        first, last = _month_bounds(m)
        planned: list[_Track] = []
        while self._live(first - 1, planned) < self.n_live:
            track = self._new_track(first - int(rng.integers(-60, 3 * 365)))
            if track.start < first and track.planned_end and track.planned_end < first:
                track.end = track.planned_end
            planned.append(track)
        for track in sorted(planned, key=lambda t: t.start):  # numbered in the order they started
            self._append(track)
        self._history(first, people, pnr)
        # participations running when the month starts
        covering = self._covering(first, last)
        eligible = rows[np.isin(people.category[rows], PARTICIPATING_CATEGORIES)]
        eligible = eligible[np.isin(people.kommun[eligible], list(covering))]
        chosen = eligible[np.argsort(rng.random(len(eligible)))[: self.target]]
        for person in chosen.tolist():
            options = covering[int(people.kommun[person])]
            index = options[int(rng.integers(0, len(options)))]
            track = self.tracks[index]
            lo = max(track.start, int(people.inskr[person]), first - 240)
            start = lo + int(rng.integers(0, max(1, last - lo + 1)))
            planned = self._planned_end(track, start)
            if planned < first:
                planned = first + int(rng.integers(0, 45))
            self.active.append(self._add(index, person, start, planned, people))

    def _history(self, first: int, people: _People, pnr: _PnrRegister) -> None:
        """Participations that ended before the first month, by people who have left the register since."""
        rng = self.rng
        running = max(1, sum(1 for t in self.tracks if t.start < first and (not t.end or t.end >= first)))
        per_track = self.target / running
        parts: list[tuple[np.ndarray, ...]] = []
        for index, track in enumerate(self.tracks):
            stop = min(track.end or first, first)
            if track.start >= stop:
                continue
            months = (stop - track.start) / 30.44
            n = int(rng.poisson(per_track * months / MEAN_PARTICIPATION_MONTHS[track.typ]))
            if not n:
                continue
            start = track.start + rng.integers(0, max(1, stop - track.start - 14), n)
            planned = self._planned_ends(track, start)
            dropped = rng.random(n) < HISTORIC_DROP_OUT
            end = np.where(dropped, start + rng.integers(7, np.maximum(8, planned - start)), planned)
            keep = end < first  # the others would still be running: those are drawn from the register
            parts.append((np.full(int(keep.sum()), index), start[keep], planned[keep], end[keep], dropped[keep]))
        if not parts:
            return
        track, start, planned, end, dropped = (np.concatenate(column) for column in zip(*parts, strict=True))
        n = len(start)
        birth_year = _months_of(start) // 12 - AGES[_choice(rng, AGE_WEIGHTS, n)]
        ghosts = people.add(_demographics(rng, pnr, np.zeros(n, dtype=bool), birth_year))
        after = np.where(dropped, _choice(rng, AFTER_DROPPED_OUT, n), _choice(rng, AFTER_COMPLETED, n))
        p0 = len(self.p_track)
        self.p_track += track.tolist()
        self.p_person += ghosts.tolist()
        self.p_start += start.tolist()
        self.p_planned += planned.tolist()
        self.p_end += end.tolist()
        self.p_avbrott += np.where(dropped, "J", "N").tolist()
        self.p_after += [AFTER[a] for a in after.tolist()]
        self.p_cancelled += [False] * n
        self.ended += range(p0, p0 + n)

    # -- every month
    def step(self, m: int, people: _People, rows: np.ndarray, leave_day: np.ndarray, reason: np.ndarray) -> None:
        """End tracks and participations of month ``m``, schedule transitions, recruit, plan new tracks.
        ``leave_day``/``reason`` (by position in ``rows``) are updated for those who leave this month."""
        rng = self.rng
        first, last = _month_bounds(m)
        for track in self.tracks:
            if not track.end and track.planned_end and track.planned_end <= last:
                track.end = track.planned_end
            if track.start <= last:
                track.employers = max(track.employers, 1)
        position = np.full(people.n, -1, dtype=np.int64)
        position[rows] = np.arange(len(rows))
        still: list[int] = []
        for p in self.active:
            person = self.p_person[p]
            row = int(position[person])
            start = self.p_start[p]
            leaving = int(leave_day[row]) if row >= 0 else first
            if start > last:  # starts next month, unless the person leaves before
                if leaving:
                    self._cancel(p, people)
                else:
                    still.append(p)
                continue
            if leaving and leaving < start:
                self._cancel(p, people)
                continue
            track = self.tracks[self.p_track[p]]
            ends: list[tuple[int, str]] = []
            if leaving:
                ends.append((leaving, "register"))
            if track.end and track.end <= last:
                ends.append((track.end, "track"))
            if self.p_planned[p] <= last:
                ends.append((self.p_planned[p], "planned"))
            if rng.random() < DROP_OUT[track.typ]:
                lo = max(start, first)
                ends.append((lo + int(rng.integers(0, last - lo + 1)), "drop"))
            if not ends:
                still.append(p)
                continue
            end, why = min(ends)
            end = max(end, start)
            if why == "register":
                after = AFTER_LEAVING.get(int(reason[row]), A_OVRIGT)
                avbrott = end < self.p_planned[p]
            else:
                avbrott = why == "drop"
                after = int(_choice(rng, AFTER_DROPPED_OUT if avbrott else AFTER_COMPLETED, 1)[0])
            self.p_end[p] = end
            self.p_avbrott[p] = "J" if avbrott else "N"
            self.ended.append(p)
            people.part[person] = -1
            if why != "register" and after == A_ANNAT:
                nxt = self._next_track(p, people, end, row, leave_day)
                if nxt is None:
                    after = A_ARBETSLOSHET
                else:
                    still.append(nxt)
            self.p_after[p] = AFTER[after]
            if why != "register" and after in TRANSITION_REASON and rng.random() < P_TRANSITION:
                day = end + int(rng.integers(0, 86))
                if day <= last:
                    leave_day[row] = max(day, first)
                    reason[row] = TRANSITION_REASON[after]
                elif not people.forced_day[person] or people.forced_day[person] > day:
                    people.forced_day[person] = day
                    people.forced_reason[person] = TRANSITION_REASON[after]
        self.active = still
        self._recruit(first, last, people, rows, leave_day)
        while self._live(last) < self.n_live:
            self._append(self._new_track(last + 1 + int(rng.integers(0, 80))))

    def _cancel(self, p: int, people: _People) -> None:
        self.p_cancelled[p] = True
        if people.part[self.p_person[p]] == p:
            people.part[self.p_person[p]] = -1

    def _next_track(self, p: int, people: _People, end: int, row: int, leave_day: np.ndarray) -> int | None:
        """Another track in the person's municipality, starting within two weeks (``annat_jobbspar``)."""
        if leave_day[row]:
            return None
        person = self.p_person[p]
        start = end + int(self.rng.integers(1, 15))
        options = self._options(self._covering(start, start), people, person)
        if not options:
            return None
        index = options[int(self.rng.integers(0, len(options)))]
        return self._add(index, person, start, self._planned_end(self.tracks[index], start), people)

    def _recruit(self, first: int, last: int, people: _People, rows: np.ndarray, leave_day: np.ndarray) -> None:
        rng = self.rng
        running = sum(1 for p in self.active if self.p_start[p] <= last)
        need = self.target - running
        if need <= 0:
            return
        covering = self._covering(first, last)
        if not covering:
            return
        ok = (leave_day == 0) & (people.part[rows] < 0) & np.isin(people.category[rows], PARTICIPATING_CATEGORIES)
        ok &= np.isin(people.kommun[rows], list(covering))
        eligible = rows[ok]
        if not len(eligible):
            return
        year = int(_months_of(np.array([first]))[0]) // 12
        young = (year - _calendar()[1][people.birth[eligible] - _BASE] // 10_000) <= 24
        keys = rng.exponential(size=len(eligible)) / np.where(young, 1.5, 1.0)
        chosen = eligible[np.argsort(keys, kind="stable")[:need]]
        for person in chosen.tolist():
            options = self._options(covering, people, person)
            if not options:
                continue
            index = options[int(rng.integers(0, len(options)))]
            track = self.tracks[index]
            lo = max(first, track.start, int(people.inskr[person]))
            start = lo + int(rng.integers(0, last - lo + 1))
            self.active.append(self._add(index, person, start, self._planned_end(track, start), people))

    # -- output
    def projekt(self, people: _People, rows: np.ndarray, last: int) -> list[str]:
        """PROJEKTKOD of each row: the track of a participation started by month end and not ended."""
        codes = np.array([t.code for t in self.tracks] + [""], dtype=object)
        track_of_row = np.full(len(rows), len(self.tracks), dtype=np.int64)
        part = people.part[rows]
        for row in np.flatnonzero(part >= 0).tolist():
            p = int(part[row])
            if self.p_start[p] <= last and not self.p_end[p] and not self.p_cancelled[p]:
                track_of_row[row] = self.p_track[p]
        return codes[track_of_row].tolist()

    def _lines(self, ps: list[int], people: _People) -> list[str]:
        ids = np.array([self.p_person[p] for p in ps], dtype=np.int64)
        pnr = _pnr_texts(
            people.birth[ids], people.serial[ids], people.check[ids], people.dash[ids], people.samordning[ids]
        )
        starts = _iso(np.array([self.p_start[p] for p in ps], dtype=np.int64))
        ends = _iso(np.array([self.p_end[p] for p in ps], dtype=np.int64))
        return [
            f"{self.tracks[self.p_track[p]].code};{text};{start};{end};{self.p_avbrott[p]};{self.p_after[p]}"
            for p, text, start, end in zip(ps, pnr, starts, ends, strict=True)
        ]

    def write(self, out_dir: Path, m: int, people: _People) -> list[Path]:
        """The month's snapshots: every track, every participation started by month end (the ended ones
        first, in the order they ended, then the running ones)."""
        _, last = _month_bounds(m)
        name = _month_name(m)
        if self.ended:
            self.final_lines += self._lines(self.ended, people)
            self.ended = []
        running = self._lines([p for p in self.active if self.p_start[p] <= last], people)
        tracks = [t.row(last) for t in self.tracks]
        return [
            _write_csv(Path(out_dir) / f"jobbspar_{name}.csv", JOBTRACK_COLUMNS, tracks),
            _write_csv(
                Path(out_dir) / f"jobbspar_deltagare_{name}.csv", PARTICIPANT_COLUMNS, self.final_lines + running
            ),
        ]


# ---------------------------------------------------------------- the panel
class _Panel:
    """The register month by month: who is registered, in which category, who leaves and why."""

    def __init__(self, seed: int, rows_per_month: int, n_months: int, jobtracks: bool) -> None:
        self.rng = np.random.default_rng(seed)
        self.rows_per_month = rows_per_month
        self.model = _Model()
        self.pnr = _PnrRegister()
        self.people = _People(int(rows_per_month * (1.1 + 0.1 * n_months)))
        self.tracks = _JobTracks(np.random.default_rng([seed, 7]), rows_per_month) if jobtracks else None
        self.continuing: np.ndarray | None = None

    def _register_new(self, m: int, count: int) -> np.ndarray:
        """``count`` registrations in month ``m``: some people coming back, the rest new to the register."""
        rng, people, model = self.rng, self.people, self.model
        first, last = _month_bounds(m)
        everyone = np.arange(people.n)
        pool = everyone[
            people.returnable[: people.n]
            & (people.left_month[: people.n] <= m - 2)
            & (people.retire_day[: people.n] > last + 62)
        ]
        returning = pool[np.argsort(rng.random(len(pool)))[: min(len(pool), round(P_RETURNING * count))]]
        fresh = count - len(returning)
        programme = rng.random(fresh) < P_PROGRAMME * count / max(fresh, 1)
        birth_year = _reg_age_birth_year(rng, programme, np.full(fresh, m // 12), m // 12)
        columns = _demographics(rng, self.pnr, programme, birth_year)
        columns["funk"] = rng.random(fresh) < P_DISABILITY
        length = rng.integers(PROGRAMME_MONTHS[0], PROGRAMME_MONTHS[1] + 1, fresh)
        columns["programme_end"] = np.where(programme, m + length - 1, -1)
        columns["programme_category"] = _choice(rng, model.in_programme, fresh)
        new = people.add(columns)
        people.programme_end[returning] = -1
        ids = np.concatenate([returning, new]).astype(np.int64)
        people.reg_month[ids] = m
        people.inskr[ids] = first + (rng.random(len(ids)) * (last - first + 1)).astype(np.int64)
        category = _choice(rng, model.at_start, len(ids))
        in_programme = people.programme_end[ids] >= m
        people.category[ids] = np.where(in_programme, people.programme_category[ids], category)
        people.forced_day[returning] = 0
        people.left_month[ids] = -1
        people.returnable[ids] = False
        people.part[ids] = -1
        return ids

    def _move(self, m: int, ids: np.ndarray) -> None:
        """Category changes of those registered since an earlier month; leaving the programme."""
        rng, people, model = self.rng, self.people, self.model
        first, _ = _month_bounds(m)
        programme_end = people.programme_end[ids]
        in_programme = programme_end >= m
        exiting = programme_end == m - 1
        moved = _draw_rows(rng, model.moves, people.category[ids].astype(np.int64))
        after = _choice(rng, model.after_programme, len(ids))
        category = np.where(in_programme, people.programme_category[ids], np.where(exiting, after, moved))
        people.category[ids] = category
        transition = ids[exiting & (rng.random(len(ids)) < P_PROGRAMME_EXIT_TRANSITION)]
        if len(transition):
            day = first + rng.integers(0, 90, len(transition))
            current = people.forced_day[transition]
            later = (current == 0) | (current > day)
            people.forced_day[transition[later]] = day[later]
            people.forced_reason[transition[later]] = _choice(rng, PROGRAMME_EXIT_REASONS, int(later.sum()))

    def month(self, m: int) -> tuple[np.ndarray, np.ndarray, np.ndarray, list[str]]:
        """Step to month ``m``: the persons of the month (in file order), their leaving day and reason, and
        their PROJEKTKOD."""
        rng, people = self.rng, self.people
        if self.continuing is None:
            rows = people.add(_sample_stock(rng, self.model, self.pnr, self.rows_per_month, m))
            if self.tracks is not None:
                self.tracks.start(m, people, rows, self.pnr)
        else:
            self._move(m, self.continuing)
            new = self._register_new(m, self.rows_per_month - len(self.continuing))
            rows = np.concatenate([self.continuing, new])
        leave_day, reason = _leaving(rng, self.model, m, people, rows)
        if self.tracks is not None:
            self.tracks.step(m, people, rows, leave_day, reason)
            projekt = self.tracks.projekt(people, rows, _month_bounds(m)[1])
        else:
            projekt = [""] * len(rows)
        leavers = rows[leave_day > 0]
        people.left_month[leavers] = m
        people.returnable[leavers] = (reason[leave_day > 0] != R06) & (reason[leave_day > 0] != R07)
        people.forced_day[leavers] = 0
        self.continuing = rows[leave_day == 0]
        order = rng.permutation(len(rows))
        return rows[order], leave_day[order], reason[order], [projekt[i] for i in order.tolist()]


def _person_lines(
    lines: _Lines,
    rng: np.random.Generator,
    columns: dict[str, np.ndarray] | _People,
    rows: np.ndarray | None,
    m: int,
    leave_day: np.ndarray,
    reason: np.ndarray,
    projekt: list[str],
) -> list[str]:
    def col(name: str) -> np.ndarray:
        values = columns[name] if isinstance(columns, dict) else getattr(columns, name)
        return values if rows is None else values[rows]

    birth = col("birth")
    _, ymd = _calendar()
    return lines.format(
        rng,
        _pnr_texts(birth, col("serial"), col("check"), col("dash"), col("samordning")),
        col("kommun").astype(np.int64),
        col("kon"),
        ymd[birth - _BASE] // 10_000,
        col("region"),
        col("category").astype(np.int64),
        (col("programme_end") >= m).astype(np.int64),
        col("funk").astype(np.int64),
        col("eb").astype(np.int64),
        col("inskr"),
        leave_day,
        reason.astype(np.int64),
        projekt,
    )


# ---------------------------------------------------------------- public API
def generate_registry(
    out_dir: Path,
    months: list[str],
    rows_per_month: int = 500_000,
    seed: int = 2024,
    gzip_months: set[str] | None = None,
    bad_rows_per_month: int = 0,
    invalid_month: str | None = None,
    jobtracks: bool = True,
) -> list[Path]:
    """Writes, for each 'YYYYMM' in months (consecutive months), sokande_<m>.txt (gz if in gzip_months),
    jobbspar files when jobtracks, the two code lists once in out_dir; `bad_rows_per_month` rows per month that
    break the contract (bad check digit, impossible date, unknown kommunkod, MANAD not the file's month,
    unknown SOKANDEKATEGORI code — mix them) — keep it ≤ 0.1 % of the month so the month still loads;
    `invalid_month` → also out_dir/invalid/sokande_<m>.txt with ~5 % bad rows (must be rejected whole).
    Returns written paths.

    The bad rows come on top of the ``rows_per_month`` valid rows, at random places. ``invalid_month`` is one
    of ``months`` (the invalid file is that month with bad rows added) or the month right after the last.
    """
    if not months:
        raise ValueError("no months")
    indices = [_month_index(m) for m in months]
    if indices != list(range(indices[0], indices[0] + len(indices))):
        raise ValueError("months must be consecutive and in order")
    if rows_per_month < 1:
        raise ValueError("rows_per_month must be at least 1")
    if bad_rows_per_month < 0 or bad_rows_per_month > MAX_BAD_SHARE * rows_per_month:
        raise ValueError(
            f"bad_rows_per_month must be between 0 and 0.1 % of rows_per_month "
            f"({int(MAX_BAD_SHARE * rows_per_month)}), or the month would be rejected whole"
        )
    gzip_months = set(gzip_months or ())
    steps = list(indices)
    if invalid_month is not None:
        invalid_index = _month_index(invalid_month)
        if invalid_index == indices[-1] + 1:
            steps.append(invalid_index)
        elif invalid_index not in indices:
            raise ValueError("invalid_month must be one of months or the month right after the last")
    else:
        invalid_index = None
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    paths = write_code_lists(out_dir)
    panel = _Panel(seed, rows_per_month, len(steps), jobtracks)
    bad_rng = np.random.default_rng([seed, 13])
    for m in steps:
        rows, leave_day, reason, projekt = panel.month(m)
        name = _month_name(m)
        targets: list[tuple[Path, int]] = []
        if m in indices:
            suffix = ".txt.gz" if name in gzip_months else ".txt"
            targets.append((out_dir / f"sokande_{name}{suffix}", bad_rows_per_month))
        if m == invalid_index:
            (out_dir / "invalid").mkdir(exist_ok=True)
            targets.append(
                (
                    out_dir / "invalid" / f"sokande_{name}.txt",
                    max(int(MAX_BAD_SHARE * rows_per_month) + 1, round(INVALID_BAD_SHARE * rows_per_month)),
                )
            )
        paths += _write_month(panel, m, rows, leave_day, reason, projekt, targets, bad_rng)
        if panel.tracks is not None and m in indices:
            paths += panel.tracks.write(out_dir, m, panel.people)
    return paths


def _write_month(
    panel: _Panel,
    m: int,
    rows: np.ndarray,
    leave_day: np.ndarray,
    reason: np.ndarray,
    projekt: list[str],
    targets: list[tuple[Path, int]],
    bad_rng: np.random.Generator,
) -> list[Path]:
    """The month's lines, chunk by chunk, into each target file with that many bad rows mixed in."""
    lines = _Lines(m)
    format_rng = np.random.default_rng([int(panel.rng.integers(0, 2**32)), 1])
    bad = []
    for _, count in targets:
        positions = np.sort(bad_rng.integers(0, len(rows) + 1, count))
        bad.append((positions, _bad_lines(bad_rng, panel.pnr, m, count)))
    with _open_all([path for path, _ in targets]) as outs:
        for out in outs:
            out.write(_header())
        for lo in range(0, len(rows), CHUNK_ROWS):
            hi = min(lo + CHUNK_ROWS, len(rows))
            chunk = _person_lines(
                lines, format_rng, panel.people, rows[lo:hi], m, leave_day[lo:hi], reason[lo:hi], projekt[lo:hi]
            )
            for out, (positions, bad_lines) in zip(outs, bad, strict=True):
                inside = (positions >= lo) & ((positions < hi) | ((hi == len(rows)) & (positions == hi)))
                picked = np.flatnonzero(inside)
                _write_chunk(out, _merge(chunk, [bad_lines[i] for i in picked.tolist()], positions[picked] - lo))
    return [path for path, _ in targets]


@contextmanager
def _open_all(paths: list[Path]) -> Iterator[list[BinaryIO]]:
    with ExitStack() as stack:
        yield [stack.enter_context(_open_binary(path)) for path in paths]


def write_jobseeker_month(path: Path, month: str, n_rows: int, seed: int = 1) -> Path:
    """One standalone valid month of n_rows rows (any size, e.g. 2 000 000), streamed to disk
    (memory must not grow with n_rows: write in chunks). gzip if path ends with .gz. For benchmarks.

    Each chunk is drawn from the register's steady state (the same mix as a month of
    :func:`generate_registry`); a fixed-size table of taken personnummer keeps persons unique. About 3 % of
    the rows carry a PROJEKTKOD of a made-up track of their municipality (there is no jobbspar file).
    """
    if n_rows < 0:
        raise ValueError("n_rows must not be negative")
    m = _month_index(month)
    path = Path(path)
    rng = np.random.default_rng(seed)
    model = _Model()
    pnr = _PnrRegister()
    lines = _Lines(m)
    # made-up tracks JS-<kommunkod>-0001…0003 (index 3·kommun + number − 1; the last entry is "")
    made_up = np.array(
        [f"JS-{code}-{k:04d}" for code in _municipalities().codes for k in (1, 2, 3)] + [""], dtype=object
    )
    with _open_binary(path) as out:
        out.write(_header())
        for lo in range(0, n_rows, CHUNK_ROWS):
            n = min(CHUNK_ROWS, n_rows - lo)
            columns = _sample_stock(rng, model, pnr, n, m)
            columns["forced_day"] = np.zeros(n, dtype=np.int64)
            columns["forced_reason"] = np.zeros(n, dtype=np.int8)
            leave_day, reason = _leaving(rng, model, m, columns)
            taking_part = (leave_day == 0) & (rng.random(n) < P_PARTICIPATING)
            track = columns["kommun"] * 3 + rng.integers(0, 3, n)
            projekt = made_up[np.where(taking_part, track, len(made_up) - 1)].tolist()
            _write_chunk(out, _person_lines(lines, rng, columns, None, m, leave_day, reason, projekt))
    return path


# ---------------------------------------------------------------- command line
def _parse_months(text: str) -> list[str]:
    """``202401-202412`` (a range) or ``202401,202402,…``."""
    months: list[str] = []
    for part in text.split(","):
        match = MONTHS_ARG.fullmatch(part.strip())
        if not match:
            raise argparse.ArgumentTypeError(f"not a month or month range: {part!r}")
        lo = _month_index(match[1])
        hi = _month_index(match[2]) if match[2] else lo
        if hi < lo:
            raise argparse.ArgumentTypeError(f"range runs backwards: {part!r}")
        months += [_month_name(m) for m in range(lo, hi + 1)]
    return months


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m ingestion.synthetic.registry",
        description="Write synthetic Arbetsförmedlingen registry extracts (sokande, jobbspar, code lists).",
    )
    parser.add_argument("out_dir", type=Path, help="folder to write the extracts into")
    parser.add_argument(
        "--months",
        type=_parse_months,
        default=_parse_months("202401-202412"),
        help="YYYYMM-YYYYMM or a comma-separated list of consecutive months (default 202401-202412)",
    )
    parser.add_argument("--rows", type=int, default=500_000, help="valid rows per month (default 500 000)")
    parser.add_argument("--seed", type=int, default=2024)
    parser.add_argument(
        "--gzip",
        type=_parse_months,
        default=[],
        metavar="MONTHS",
        help="months to write as .txt.gz (same syntax as --months)",
    )
    parser.add_argument("--bad-rows", type=int, default=0, help="rows per month that break the contract (≤ 0.1 %%)")
    parser.add_argument("--invalid-month", help="also write invalid/sokande_<YYYYMM>.txt with about 5 %% bad rows")
    parser.add_argument("--no-jobtracks", action="store_true", help="leave out the jobbspar files")
    parser.add_argument(
        "--large",
        type=int,
        metavar="N",
        help="instead: one standalone valid month (the first of --months) of N rows, for benchmarks",
    )
    args = parser.parse_args(argv)
    if args.large is not None:
        suffix = ".txt.gz" if args.months[0] in set(args.gzip) else ".txt"
        args.out_dir.mkdir(parents=True, exist_ok=True)
        print(
            write_jobseeker_month(
                args.out_dir / f"sokande_{args.months[0]}{suffix}", args.months[0], args.large, args.seed
            )
        )
        return 0
    for path in generate_registry(
        args.out_dir,
        args.months,
        args.rows,
        args.seed,
        set(args.gzip),
        args.bad_rows,
        args.invalid_month,
        not args.no_jobtracks,
    ):
        print(path)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
