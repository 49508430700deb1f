"""Synthetic deliveries of Arbetsförmedlingen's agreement register (överenskommelseregistret).

The real register cannot leave Arbetsförmedlingen, yet the warehouse has to be demonstrated and tested
end to end: loading full snapshots, building history by comparing them, and rejecting bad deliveries.
This module writes deliveries that follow ``docs/contracts/agreement_register.md`` to the letter
(four ``;``-separated UTF-8-with-BOM files with CRLF line endings) and look like the real thing:

* a national register: a few central agreements, one regional agreement per county for most
  counties, local (``lokal``), ``kommunlokal`` (under the county's regional agreement) and
  ``flerkommunal`` (2–5 municipalities of one county) agreements, and the older LÖK/Dua-era
  agreements that have ended;
* the quirks of real exports: municipality codes that lost their leading zero, party names in many
  spellings (``Af Kiruna``, ``Arbetsformedlingen``), text with commas, dashes, quotes and
  semicolons, unknown dates, empty J/N flags;
* history: every snapshot is derived from the previous one (revisions, drafts that get signed,
  new agreements, agreements that end and a few that are removed from the register).

Everything is drawn from one ``random.Random(seed)``, so a seed always gives the same bytes.
Only the standard library is used: the generator runs in the Airflow image and in plain tests.
"""

from __future__ import annotations

import argparse
import csv
import io
import random
import zipfile
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path

from ingestion.core import config
from ingestion.sources.agreement_register.contract import (  # noqa: F401 (the file names: the survey generator's too)
    AGREEMENTS,
    COLUMNS,
    FLAG_COLUMNS,
    LOCAL_LEVELS,
    MUNICIPALITIES,
    PARTIES,
    SIGNED,
    TARGET_GROUPS,
)

# Half-yearly snapshots over the years the 2022 collaboration model was rolled out: enough history for
# drafts to be signed, agreements to be revised and the old Dua/LÖK agreements to run out.
DEFAULT_SNAPSHOT_DATES = [
    date(year, month, 30 if month == 6 else 31) for year in range(2022, 2026) for month in (6, 12)
]

# What the invalid delivery breaks (one each), so a demo can point at the quarantine report.
INVALID_BREAKS = (
    "overenskommelse_kommuner.csv: a row refers to ÖK-9999-0001, which is not in overenskommelser.csv",
    "overenskommelse_parter.csv: a row refers to ÖK-9999-0002, which is not in overenskommelser.csv",
    "overenskommelse_kommuner.csv: unknown municipality code 0199",
    "overenskommelser.csv: two agreements are each other's parent (overordnad_id cycle)",
    "overenskommelser.csv: overordnad_id refers to an agreement not in the delivery",
    "overenskommelser.csv: giltig_tom before giltig_from",
    "overenskommelser.csv: tecknad_datum after the snapshot date",
    "overenskommelser.csv: regional agreement without lanskod",
    "overenskommelser.csv: the same overenskommelse_id twice",
    "overenskommelse_kommuner.csv: a signed flerkommunal agreement covering a single municipality",
)

MODEL_2022 = "Samverkansmodellen 2022"
DUA_UNGA = "Dua unga 2015"
DUA_NYANLANDA = "Dua nyanlända 2017"
TRAIT_GROUPS = [
    "unga",
    "unga_utan_gymnasieexamen",
    "nyanlanda",
    "asylsokande",
    "langtidsarbetslosa",
    "funktionsnedsattning",
    "ekonomiskt_bistand",
    "utrikes_fodda_kvinnor",
]

# Municipalities that call themselves "stad" in their agreements (the reference list says "kommun").
CITY_NAMES = {
    "Stockholm": "Stockholms stad",
    "Göteborg": "Göteborgs stad",
    "Malmö": "Malmö stad",
    "Solna": "Solna stad",
    "Sundbyberg": "Sundbybergs stad",
    "Västerås": "Västerås stad",
    "Borås": "Borås stad",
    "Lidingö": "Lidingö stad",
    "Vaxholm": "Vaxholms stad",
    "Mölndal": "Mölndals stad",
    "Landskrona": "Landskrona stad",
    "Haparanda": "Haparanda stad",
    "Trollhättan": "Trollhättans stad",
    "Helsingborg": "Helsingborgs stad",
}
REGIONS = {
    "01": "Region Stockholm",
    "03": "Region Uppsala",
    "04": "Region Sörmland",
    "05": "Region Östergötland",
    "06": "Region Jönköpings län",
    "07": "Region Kronoberg",
    "08": "Region Kalmar län",
    "09": "Region Gotland",
    "10": "Region Blekinge",
    "12": "Region Skåne",
    "13": "Region Halland",
    "14": "Västra Götalandsregionen",
    "17": "Region Värmland",
    "18": "Region Örebro län",
    "19": "Region Västmanland",
    "20": "Region Dalarna",
    "21": "Region Gävleborg",
    "22": "Region Västernorrland",
    "23": "Region Jämtland Härjedalen",
    "24": "Region Västerbotten",
    "25": "Region Norrbotten",
}
MUNICIPAL_ASSOCIATIONS = {"01": "Storsthlm", "12": "Kommunförbundet Skåne", "14": "VästKom"}
AREAS = ["Nordost", "Sydväst", "Norra", "Södra", "Västra", "Östra", "Mitt", "Inlandet", "Kusten", "Dalen"]
CENTRAL_AGREEMENTS = [
    (
        "Överenskommelse om samverkan mellan Arbetsförmedlingen och Sveriges Kommuner och Regioner (SKR)",
        ("Sveriges Kommuner och Regioner", "kommunforbund"),
        ["behovsbaserad", "arbetsgivare"],
        False,
    ),
    (
        "Nationell överenskommelse om Dua – Delegationen för unga och nyanlända till arbete",
        ("Delegationen för unga och nyanlända till arbete", "annan"),
        ["unga", "nyanlanda"],
        True,
    ),
    (
        "Överenskommelse Arbetsförmedlingen–Försäkringskassan om gemensam kartläggning",
        ("Försäkringskassan", "forsakringskassan"),
        ["funktionsnedsattning", "langtidsarbetslosa"],
        False,
    ),
    (
        "Samverkan kring etableringen; Migrationsverket och Arbetsförmedlingen",
        ("Migrationsverket", "migrationsverket"),
        ["nyanlanda", "asylsokande", "utrikes_fodda_kvinnor"],
        False,
    ),
    (
        'Överenskommelse om "Unga utan gymnasieexamen" med Skolverket',
        ("Skolverket", "skolmyndighet"),
        ["unga_utan_gymnasieexamen", "unga"],
        False,
    ),
    (
        "Nationell samverkan med samordningsförbunden, Finsam",
        ("Nationella rådet för finansiell samordning", "annan"),
        ["funktionsnedsattning", "ekonomiskt_bistand"],
        False,
    ),
    (
        "Överenskommelse om validering – Myndigheten för yrkeshögskolan",
        ("Myndigheten för yrkeshögskolan", "skolmyndighet"),
        ["arbetsgivare", "langtidsarbetslosa"],
        False,
    ),
    (
        "Överenskommelse om arbetsgivarsamverkan med Svenskt Näringsliv",
        ("Svenskt Näringsliv", "naringsliv"),
        ["arbetsgivare", "behovsbaserad"],
        False,
    ),
]
NAMED_EXTRAS = [  # parties named (namnd) in some local agreements; {ort} is the municipality
    ("Försäkringskassan", "forsakringskassan"),
    ("Migrationsverket", "migrationsverket"),
    ("Samordningsförbundet {ort}", "annan"),
    ("Företagarna {ort}", "naringsliv"),
    ("Lernia Utbildning AB", "utbildningsanordnare"),
    ("Röda Korset, {ort}", "ideell"),
    ("Café Étage – ideell förening", "ideell"),
    ("LO-facken i {ort}", "fack"),
]


@dataclass(frozen=True)
class Municipality:
    code: str
    name: str  # "Kiruna kommun", as in the reference list
    short: str  # "Kiruna"
    county: str


@dataclass
class Agreement:
    """One agreement as the register holds it, plus the plan for its future (sign_on, end_on)."""

    niva: str
    born: date  # first day it is in the register
    namn: str = ""
    id: str = ""
    prefix: str = "ÖK"
    overordnad: Agreement | None = None
    lanskod: str = ""
    tecknad_datum: date | None = None
    giltig_from: date | None = None
    giltig_tom: date | None = None
    status: str = "tecknad"
    senast_reviderad: date | None = None
    mall: str = ""
    uppfoljning: str = ""
    flags: dict[str, str] = field(default_factory=dict)
    kommuner: list[tuple[str, str]] = field(default_factory=list)  # (kommunkod as written, tackning)
    parter: list[tuple[str, str, str]] = field(default_factory=list)  # (organisation, typ, roll)
    malgrupper: list[str] = field(default_factory=list)
    county: str = ""
    kommuner_hidden: bool = False  # a draft whose municipalities are filled in when it is signed
    sign_on: date | None = None  # drafts: when they get signed (None = never)
    end_on: date | None = None  # when the agreement is ended early (giltig_tom set then)
    old_era: bool = False

    def row(self, snapshot: date) -> list[str]:
        return [
            self.id,
            self.namn,
            self.niva,
            self.overordnad.id if self.overordnad else "",
            self.lanskod,
            _iso(self.tecknad_datum),
            _iso(self.giltig_from),
            _iso(self.giltig_tom),
            self.status,
            _iso(self.senast_reviderad),
            self.mall,
            self.uppfoljning,
            *(self.flags.get(column, "") for column in FLAG_COLUMNS),
            f"{snapshot.isoformat()} 02:00:00",
        ]


def _iso(value: date | None) -> str:
    return value.isoformat() if value else ""


def _next_month(day: date, months: int = 1) -> date:
    month = day.month - 1 + months
    return date(day.year + month // 12, month % 12 + 1, 1)


def load_municipalities(reference_dir: Path | None = None) -> list[Municipality]:
    """The 290 municipalities, read from the project's own reference copy (a clone of the project is self-contained)."""
    path = (reference_dir or config.REFERENCE_DIR) / "municipalities.csv"
    with open(path, encoding="utf-8-sig", newline="") as f:
        return [
            Municipality(r["municipality_code"], r["municipality_name"], r["municipality_name_short"], r["county_code"])
            for r in csv.DictReader(f)
        ]


def load_counties(reference_dir: Path | None = None) -> dict[str, tuple[str, str]]:
    """County code → (name, short name), e.g. ``"25": ("Norrbottens län", "Norrbotten")``."""
    path = (reference_dir or config.REFERENCE_DIR) / "counties.csv"
    with open(path, encoding="utf-8-sig", newline="") as f:
        return {r["county_code"]: (r["county_name"], r["county_name_short"]) for r in csv.DictReader(f)}


class _Register:
    """Plans the whole population of agreements once, then steps it from snapshot to snapshot."""

    def __init__(self, rng: random.Random, n_agreements: int, dates: list[date]) -> None:
        self.rng = rng
        self.dates = dates
        self.municipalities = load_municipalities()
        self.by_code = {m.code: m for m in self.municipalities}
        self.counties = load_counties()
        self.by_county: dict[str, list[Municipality]] = {}
        for m in self.municipalities:
            self.by_county.setdefault(m.county, []).append(m)
        self.deck: list[Municipality] = []
        # A few agreements are removed per step; plan that many extra so the last snapshot holds ~n.
        removing = len(dates) > 1 and n_agreements >= 20
        self.removals_per_step = max(1, round(n_agreements * 0.006)) if removing else 0
        total = n_agreements + self.removals_per_step * (len(dates) - 1)
        self.plan: list[Agreement] = self._plan(total)
        self.present: dict[str, Agreement] = {}
        self.removed: set[str] = set()
        self.parents = {id(a.overordnad) for a in self.plan if a.overordnad}

    # ---------------------------------------------------------------- planning
    def _plan(self, total: int) -> list[Agreement]:
        rng, first = self.rng, self.dates[0]
        n_central = min(len(CENTRAL_AGREEMENTS), max(1, round(total * 0.008)))
        n_regional = min(len(self.counties) - 2, max(1, total // 15))
        n_old_regional = min(4, total // 100)
        rest = max(0, total - n_central - n_regional - n_old_regional)
        n_new = round(rest * 0.6) if rest > 3 else rest
        n_old = rest - n_new

        plan: list[Agreement] = []
        plan += [self._central(i) for i in range(n_central)]
        county_codes = list(self.counties)
        regional_counties = sorted(rng.sample(county_codes, n_regional))
        regionals = {code: self._regional(code) for code in regional_counties}
        plan += regionals.values()
        plan += [self._old_regional(code) for code in rng.sample(county_codes, n_old_regional)]
        plan += [self._old_local() for _ in range(n_old)]
        # New-model agreements: ~45 % are in the register at the first snapshot, the rest arrive later.
        window_start = min(date(2022, 2, 1), first - timedelta(days=150))
        for _ in range(n_new):
            if rng.random() < 0.45 or len(self.dates) == 1:
                born = _between(rng, window_start, first)
            else:
                born = _between(rng, first + timedelta(days=1), self.dates[-1])
            plan.append(self._new_local(born, regionals))

        plan.sort(key=lambda a: a.born)  # stable: equal days keep their planning order
        self._assign_ids(plan)
        return plan

    def _draw(self, accept=lambda m: True) -> Municipality:
        """Next municipality from a shuffled deck, so coverage spreads over the country before repeating."""
        for _ in range(2):
            for i, m in enumerate(self.deck):
                if accept(m):
                    return self.deck.pop(i)
            self.deck = list(self.municipalities)
            self.rng.shuffle(self.deck)
        return self.rng.choice([m for m in self.municipalities if accept(m)])

    def _code(self, m: Municipality) -> str:
        """About 3 % of codes are written as Excel leaves them: without the leading zero."""
        if m.code.startswith("0") and self.rng.random() < 0.1:
            return m.code[1:]
        return m.code

    def _municipal_party(self, m: Municipality, unga: bool = False) -> str:
        rng = self.rng
        if m.code == "0980" and rng.random() < 0.5:
            return "Region Gotland"
        base = CITY_NAMES.get(m.short, m.name)
        r = rng.random()
        if r < 0.68:
            return base
        if r < 0.80:
            return f"{m.name}, socialförvaltningen"
        if r < 0.90:
            return f"{base}, arbetsmarknadsförvaltningen"
        if r < 0.95 or not unga:
            return f"{m.name}, Arbetsmarknadsenheten"
        return f"{base}, utbildningsförvaltningen"

    def _af_alias(self, ort: str) -> str:
        r = self.rng.random()
        if r < 0.50:
            return "Arbetsförmedlingen"
        if r < 0.68:
            return f"Af {ort}"
        if r < 0.88:
            return f"Arbetsförmedlingen {ort}"
        if r < 0.92:
            return "Arbetsformedlingen"  # misspelt in the register, as it happens
        if r < 0.96:
            return f"AF {ort}"
        return f"Arbetsförmedlingen, {ort}"

    def _flag(self, p_yes: float, p_empty: float = 0.02) -> str:
        r = self.rng.random()
        return "" if r < p_empty else ("J" if r < p_empty + p_yes else "N")

    def _fill_flags(self, a: Agreement) -> None:
        groups = set(a.malgrupper)
        a.flags = {
            "har_mal": self._flag(0.6 if a.old_era else 0.88),
            "har_uppfoljningsprocess": self._flag(0.4 if a.old_era else 0.75, 0.03),
            "malgrupp_arbetsgivare": self._flag(0.95 if "arbetsgivare" in groups else 0.3),
            "malgrupp_arbetssokande": self._flag(0.92),
            "samordning_etablering": self._flag(0.9 if groups & {"nyanlanda", "asylsokande"} else 0.45),
        }

    def _cadence(self, old: bool = False) -> str:
        options = ["halvar", "ar", "annan", "saknas", ""]
        weights = [10, 30, 15, 40, 5] if old else [75, 13, 5, 4, 3]
        return self.rng.choices(options, weights)[0]

    def _groups(self, mall: str) -> list[str]:
        rng = self.rng
        if mall == MODEL_2022:
            first = ["behovsbaserad"] + (["arbetsgivare"] if rng.random() < 0.6 else [])
            return first + rng.sample(TRAIT_GROUPS, rng.randint(max(0, 2 - len(first)), 4 - len(first)))
        if mall == DUA_UNGA:
            return ["unga"] + rng.sample(
                ["unga_utan_gymnasieexamen", "arbetsgivare", "funktionsnedsattning"], rng.randint(1, 2)
            )
        if mall == DUA_NYANLANDA:
            return ["nyanlanda"] + rng.sample(
                ["utrikes_fodda_kvinnor", "asylsokande", "arbetsgivare"], rng.randint(1, 2)
            )
        return rng.sample(TRAIT_GROUPS + ["arbetsgivare"], rng.randint(2, 4))

    def _signing_dates(self, a: Agreement, signed: date) -> None:
        rng = self.rng
        a.tecknad_datum = None if rng.random() < 0.03 else signed  # "saknar uppgift"
        r = rng.random()
        if r < 0.05:
            a.giltig_from = None
        elif r < 0.2:
            a.giltig_from = signed
        else:
            a.giltig_from = _next_month(signed, 1 if r < 0.9 else 2)

    def _add_party(self, a: Agreement, organisation: str, typ: str, roll: str) -> None:
        """A party appears at most once per role (the contract's rule, and GX checks it)."""
        if not any(p[0] == organisation and p[2] == roll for p in a.parter):
            a.parter.append((organisation, typ, roll))

    def _central(self, i: int) -> Agreement:
        rng = self.rng
        namn, partner, groups, ended = CENTRAL_AGREEMENTS[i]
        if ended:
            born = _between(rng, date(2015, 1, 10), date(2015, 6, 30))
        else:
            born = _between(rng, date(2019, 1, 10), min(date(2022, 5, 31), self.dates[0]))
        a = Agreement(
            "central",
            born,
            namn=namn,
            mall="egen" if rng.random() < 0.7 else "",
            uppfoljning=self._cadence(),
            malgrupper=list(groups),
            old_era=ended,
        )
        self._signing_dates(a, born)
        if ended:
            a.giltig_tom = date(2019, 12, 31)
            a.status = "upphord"
        self._fill_flags(a)
        self._add_party(a, "Arbetsförmedlingen", "arbetsformedlingen", "undertecknare")
        self._add_party(a, "Arbetsförmedlingen", "arbetsformedlingen", "sammankallande")
        self._add_party(a, partner[0], partner[1], "undertecknare")
        if rng.random() < 0.5:
            self._add_party(a, partner[0], partner[1], "uppfoljningsansvarig")
        return a

    def _regional(self, county: str) -> Agreement:
        rng, first = self.rng, self.dates[0]
        name, short = self.counties[county]
        born = _between(rng, min(date(2022, 3, 1), first - timedelta(days=120)), first - timedelta(days=60))
        a = Agreement(
            "regional",
            born,
            prefix="RÖK",
            lanskod=county,
            county=county,
            mall=MODEL_2022,
            namn=rng.choice(
                [
                    f"Regional överenskommelse om samverkan i {name}",
                    f"Regional överenskommelse {short}",
                    f"Samverkan i {name} – regional överenskommelse",
                ]
            ),
        )
        a.uppfoljning = rng.choices(["halvar", "ar", "annan"], [60, 35, 5])[0]
        a.malgrupper = ["behovsbaserad", "arbetsgivare"] + rng.sample(TRAIT_GROUPS, rng.randint(0, 2))
        if rng.random() < 0.3:  # still a draft at the first snapshot, signed later
            a.status = "utkast"
            a.sign_on = _between(rng, first + timedelta(days=1), first + timedelta(days=240))
        else:
            self._signing_dates(a, born)
            self._fill_flags(a)
        if rng.random() < 0.35:  # some name all the county's municipalities
            a.kommuner = [(self._code(m), "egen") for m in self.by_county[county]]
        af = rng.choice(["Arbetsförmedlingen", f"Arbetsförmedlingen {short}", "Arbetsförmedlingen"])
        self._add_party(a, af, "arbetsformedlingen", "undertecknare")
        self._add_party(a, af, "arbetsformedlingen", "sammankallande")
        association = MUNICIPAL_ASSOCIATIONS.get(county, f"Kommunförbundet {short}")
        self._add_party(a, association, "kommunforbund", "undertecknare")
        self._add_party(a, REGIONS[county], "region_landsting", "undertecknare" if rng.random() < 0.4 else "namnd")
        if rng.random() < 0.4:
            self._add_party(a, f"Länsstyrelsen i {name}", "lansstyrelse", "namnd")
        if rng.random() < 0.5:
            self._add_party(a, af, "arbetsformedlingen", "uppfoljningsansvarig")
        return a

    def _old_regional(self, county: str) -> Agreement:
        """Regional agreements from the Länsarbetsnämnd era (2003–2008), long since ended."""
        rng = self.rng
        name, short = self.counties[county]
        born = _between(rng, date(2003, 1, 15), date(2008, 6, 30))
        a = Agreement(
            "regional",
            born,
            prefix="RÖK",
            lanskod=county,
            county=county,
            old_era=True,
            namn=f"Regional överenskommelse om samverkan, {name} ({born.year})",
            status="upphord",
            mall="",
            uppfoljning=self._cadence(old=True),
            malgrupper=self._groups("egen"),
        )
        self._signing_dates(a, born)
        a.giltig_tom = date(born.year + rng.randint(3, 6), 12, 31)
        self._fill_flags(a)
        self._add_party(a, "Länsarbetsnämnden", "arbetsformedlingen", "undertecknare")
        self._add_party(a, f"Landstinget {short}", "region_landsting", "undertecknare")
        self._add_party(a, f"Kommunförbundet {short}", "kommunforbund", "undertecknare")
        return a

    def _old_local(self) -> Agreement:
        """Dua (2015/2017) and older LÖK agreements, and 'egen' ones from 2019–2021; most have ended."""
        rng, first = self.rng, self.dates[0]
        kind = rng.choices(["dua_unga", "dua_nyanlanda", "lok", "egen"], [40, 30, 15, 15])[0]
        m = self._draw()
        if kind == "dua_unga":
            born, mall, prefix = _between(rng, date(2015, 3, 1), date(2016, 12, 15)), DUA_UNGA, "LÖK"
            namn = rng.choice(
                [
                    f"Lokal överenskommelse om samverkan kring unga – {m.short}",
                    f"Dua-överenskommelse unga, {m.short}",
                    f"Överenskommelse om unga till arbete eller studier – {m.name}",
                ]
            )
            end = date(rng.choice([2018, 2019, 2020, 2021, 2022]), 12, 31)
        elif kind == "dua_nyanlanda":
            born, mall, prefix = _between(rng, date(2017, 2, 1), date(2018, 12, 15)), DUA_NYANLANDA, "LÖK"
            namn = rng.choice(
                [
                    f"Lokal överenskommelse om nyanländas etablering – {m.short}",
                    f"Dua nyanlända, {m.name}",
                    f"Överenskommelse om samverkan för nyanlända i {m.short}",
                ]
            )
            end = date(rng.choice([2019, 2020, 2021, 2022, 2023]), 12, 31)
        elif kind == "lok":
            born, prefix = _between(rng, date(2005, 1, 10), date(2014, 12, 15)), "LÖK"
            mall = rng.choice(["egen", ""])
            namn = rng.choice(
                [
                    f"Lokal överenskommelse om samverkan kring långtidsarbetslösa – {m.short}",
                    f"LÖK {m.short} – ekonomiskt bistånd",
                    f"Samverkan för personer med funktionsnedsättning, {m.short}",
                ]
            )
            end = _between(rng, date(born.year + 2, 1, 1), date(2021, 12, 31))
        else:
            born, mall, prefix = _between(rng, date(2019, 1, 10), date(2021, 12, 15)), "egen", "ÖK"
            namn = rng.choice(
                [
                    f"Överenskommelse om samverkan, {m.short} {born.year}",
                    f"Lokal överenskommelse {m.short} – vägen till arbete",
                ]
            )
            # Ended when the 2022 model arrived, some during the history shown.
            end = _between(rng, date(2022, 6, 1), self.dates[-1] + timedelta(days=400))
        a = Agreement(
            "lokal",
            born,
            namn=namn,
            prefix=prefix,
            mall=mall,
            county=m.county,
            old_era=True,
            uppfoljning=self._cadence(old=True),
            malgrupper=self._groups(mall),
        )
        self._signing_dates(a, born)
        self._fill_flags(a)
        a.kommuner = [(self._code(m), "egen")]
        self._local_parties(a, m)
        if kind.startswith("dua"):
            a.giltig_tom = end  # Dua agreements ran to a fixed end date
            if a.giltig_from and a.giltig_tom < a.giltig_from:
                a.giltig_tom = a.giltig_from
        else:
            a.end_on = end
        if end <= first:  # already over at the first snapshot
            a.status, a.giltig_tom, a.end_on = "upphord", end, None
            if a.giltig_from and a.giltig_tom < a.giltig_from:
                a.giltig_tom = a.giltig_from
            if rng.random() < 0.05:
                a.kommuner = []  # the coverage of some ended agreements was never migrated
        elif rng.random() < 0.2:
            a.status = "reviderad"
            a.senast_reviderad = _between(rng, born + timedelta(days=60), first)
        return a

    def _local_parties(self, a: Agreement, m: Municipality, others: list[Municipality] = ()) -> None:
        rng = self.rng
        af = self._af_alias(m.short)
        kommun = self._municipal_party(m, unga="unga" in a.malgrupper)
        self._add_party(a, af, "arbetsformedlingen", "undertecknare")
        self._add_party(a, kommun, "kommun", "undertecknare")
        for other in others:
            self._add_party(a, self._municipal_party(other), "kommun", "undertecknare")
        if rng.random() < 0.7:
            convener, typ = (af, "arbetsformedlingen") if rng.random() < 0.5 else (kommun, "kommun")
            self._add_party(a, convener, typ, "sammankallande")
        if rng.random() < 0.45:
            responsible, typ = (af, "arbetsformedlingen") if rng.random() < 0.6 else (kommun, "kommun")
            self._add_party(a, responsible, typ, "uppfoljningsansvarig")
        if rng.random() < 0.3:
            for organisation, typ in rng.sample(NAMED_EXTRAS, rng.randint(1, 2)):
                self._add_party(a, organisation.format(ort=m.short), typ, "namnd")
        if rng.random() < 0.15 and m.county in REGIONS and REGIONS[m.county] != kommun:
            self._add_party(a, REGIONS[m.county], "region_landsting", "namnd")

    def _new_local(self, born: date, regionals: dict[str, Agreement]) -> Agreement:
        """An agreement under the 2022 model (or the municipality's own): lokal, kommunlokal, flerkommunal."""
        rng = self.rng
        niva = rng.choices(["lokal", "kommunlokal", "flerkommunal"], [58, 28, 14])[0]
        if niva == "kommunlokal" and not regionals:
            niva = "lokal"
        if niva == "flerkommunal":
            m = self._draw(lambda x: len(self.by_county[x.county]) >= 2)
        elif niva == "kommunlokal":
            m = self._draw(lambda x: x.county in regionals)
        else:
            m = self._draw()
        mall = rng.choices([MODEL_2022, "egen", ""], [85, 12, 3])[0]
        a = Agreement(
            niva, born, mall=mall, county=m.county, uppfoljning=self._cadence(), malgrupper=self._groups(mall or "egen")
        )
        others: list[Municipality] = []
        if niva == "flerkommunal":
            pool = [x for x in self.by_county[m.county] if x.code != m.code]
            others = rng.sample(pool, min(len(pool), rng.randint(1, 4)))
            names = [x.short for x in [m, *others]]
            listing = ", ".join(names[:-1]) + " och " + names[-1]
            area = rng.choice(AREAS)
            a.namn = rng.choice(
                [
                    f"Samverkan {area} – {listing}",
                    f"Gemensam överenskommelse om samverkan, {listing}",
                    f"Överenskommelse om samverkan i {self.counties[m.county][1]} {area.lower()}",
                ]
            )
            a.kommuner = [
                (self._code(x), "egen" if rng.random() < 0.85 else "gemensam_styrgrupp") for x in [m, *others]
            ]
            a.kommuner[0] = (a.kommuner[0][0], "egen")
        else:
            kommun = CITY_NAMES.get(m.short, m.name)
            a.namn = rng.choice(
                [
                    f"Överenskommelse om samverkan – {kommun}",
                    f"Överenskommelse om samverkan mellan {kommun} och Arbetsförmedlingen",
                    f"Lokal överenskommelse {m.short}",
                    f"Överenskommelse {m.short}",
                    f"Samverkansöverenskommelse {m.short} – arbete, studier och egen försörjning",
                    f"Kommunlokal överenskommelse {m.short}, {self.counties[m.county][0]}",
                    f"Överenskommelse {m.short}; arbetsmarknad och etablering",
                    f'Överenskommelse "Vägen till arbete" – {m.short}',
                ]
            )
            a.kommuner = [(self._code(m), "egen")]
            if rng.random() < 0.1:  # a neighbour rides along
                pool = [x for x in self.by_county[m.county] if x.code != m.code]
                if pool:
                    a.kommuner.append((self._code(rng.choice(pool)), rng.choice(["hangavtal", "gemensam_styrgrupp"])))
        if niva == "kommunlokal" or (niva == "lokal" and m.county in regionals and rng.random() < 0.25):
            parent = regionals[m.county]
            a.overordnad = parent
            a.born = born = max(born, parent.born + timedelta(days=rng.randint(14, 50)))
        self._local_parties(a, m, others)

        if rng.random() < 0.25:  # starts as a draft
            a.status = "utkast"
            a.kommuner_hidden = rng.random() < 0.2
            if rng.random() < 0.3:
                a.uppfoljning = ""
            if rng.random() < 0.85:
                a.sign_on = born + timedelta(days=rng.randint(30, 300))
        else:
            self._signing_dates(a, born - timedelta(days=rng.randint(0, 30)))
            self._fill_flags(a)
            if rng.random() < 0.15 and a.giltig_from:  # fixed term
                a.giltig_tom = date(a.giltig_from.year + rng.randint(2, 4), 12, 31)
        if rng.random() < 0.05:  # ended early, some time after it started
            a.end_on = born + timedelta(days=rng.randint(300, 900))
        return a

    def _assign_ids(self, plan: list[Agreement]) -> None:
        """Running numbers per prefix and year in registration order, with gaps, like the real register."""
        counters: dict[tuple[str, int], int] = {}
        for a in plan:
            year = a.born.year
            if a.prefix == "RÖK":
                a.id = f"RÖK-{year}-{a.lanskod}"
                continue
            key = (a.prefix, year)
            counters[key] = counters.get(key, self.rng.randint(0, 30)) + self.rng.randint(1, 3)
            a.id = f"{a.prefix}-{year}-{counters[key]:04d}"

    # ---------------------------------------------------------------- history
    def step(self, index: int) -> None:
        """Bring the register from the previous snapshot to ``dates[index]``."""
        rng, day = self.rng, self.dates[index]
        previous = self.dates[index - 1] if index else None
        if previous:
            self._remove_some()
        for a in self.plan:
            if a.born <= day and a.id not in self.present and a.id not in self.removed:
                self.present[a.id] = a
        for a in self.present.values():
            if a.status == "utkast" and a.sign_on and a.sign_on <= day:
                self._sign(a, a.sign_on)
            if a.status in SIGNED and a.end_on and a.end_on <= day:
                a.end_on = None
                self._end(a, day, previous)
            if a.status in SIGNED and a.giltig_tom and a.giltig_tom <= day:
                if not a.old_era and rng.random() < 0.35:  # extended instead of running out
                    a.giltig_tom = date(a.giltig_tom.year + 2, 12, 31)
                    self._revise(a, _between(rng, max(a.tecknad_datum or day, previous or day), day))
                else:
                    a.status = "upphord"
        for a in self.present.values():
            if a.status not in SIGNED:
                continue
            if previous is None:  # revisions that happened before the first snapshot
                start = (a.tecknad_datum or a.born) + timedelta(days=60)
                if a.status == "tecknad" and start <= day and rng.random() < 0.12:
                    self._revise(a, _between(rng, start, day))
            elif (a.tecknad_datum or a.born) <= previous:
                r = rng.random()
                if r < 0.07:
                    self._revise(a, _between(rng, previous + timedelta(days=1), day))
                elif r < 0.09:  # the register's own data cleaning: unknown flags and cadence filled in
                    for column in FLAG_COLUMNS:
                        if not a.flags.get(column):
                            a.flags[column] = "J"
                    if a.uppfoljning in ("", "saknas"):
                        a.uppfoljning = "halvar"

    def _end(self, a: Agreement, day: date, previous: date | None) -> None:
        """Ended early: giltig_tom becomes the end date (never before giltig_from)."""
        end = _between(self.rng, (previous or day - timedelta(days=150)) + timedelta(days=1), day)
        if a.giltig_from and end < a.giltig_from:
            end = a.giltig_from
        a.status = "upphord"
        if a.giltig_tom is None or end < a.giltig_tom:
            a.giltig_tom = end

    def _sign(self, a: Agreement, when: date) -> None:
        a.status = "tecknad"
        self._signing_dates(a, when)
        self._fill_flags(a)
        if not a.uppfoljning:
            a.uppfoljning = "halvar"
        a.kommuner_hidden = False

    def _revise(self, a: Agreement, when: date) -> None:
        """A revision: new date, some flags and perhaps cadence, target groups or coverage change."""
        rng = self.rng
        a.status, a.senast_reviderad = "reviderad", when
        for column in rng.sample(FLAG_COLUMNS, rng.randint(1, 2)):
            a.flags[column] = {"J": "N" if rng.random() < 0.3 else "J", "N": "J"}.get(
                a.flags.get(column, ""), rng.choice("JN")
            )
        if rng.random() < 0.3:
            a.uppfoljning = rng.choice([c for c in ("halvar", "ar", "annan", "saknas") if c != a.uppfoljning])
        if rng.random() < 0.2:
            if len(a.malgrupper) < 4:
                a.malgrupper.append(rng.choice([g for g in TRAIT_GROUPS if g not in a.malgrupper]))
            else:
                a.malgrupper.pop()
        if rng.random() < 0.15 and a.niva in LOCAL_LEVELS and a.county:
            covered = {code.zfill(4) for code, _ in a.kommuner}
            pool = [m for m in self.by_county[a.county] if m.code not in covered]
            if pool:
                tackning = rng.choice(["hangavtal", "gemensam_styrgrupp"])
                a.kommuner.append((self._code(rng.choice(pool)), tackning))
        if rng.random() < 0.1:
            self._add_party(a, "Försäkringskassan", "forsakringskassan", "namnd")

    def _remove_some(self) -> None:
        """Withdrawn or registered by mistake: gone from the register (never a parent, never regional)."""
        candidates = [
            a for a in self.present.values() if a.niva not in ("regional", "central") and id(a) not in self.parents
        ]
        weights = [4 if a.status == "utkast" else 1 for a in candidates]
        for _ in range(min(self.removals_per_step, len(candidates))):
            chosen = self.rng.choices(range(len(candidates)), weights)[0]
            a = candidates.pop(chosen)
            weights.pop(chosen)
            del self.present[a.id]
            self.removed.add(a.id)

    # ---------------------------------------------------------------- output
    def tables(self, snapshot: date) -> dict[str, list[list[str]]]:
        out: dict[str, list[list[str]]] = {name: [] for name in COLUMNS}
        for a in self.present.values():
            out[AGREEMENTS].append(a.row(snapshot))
            if not a.kommuner_hidden:
                out[MUNICIPALITIES] += [[a.id, code, tackning] for code, tackning in a.kommuner]
            out[PARTIES] += [[a.id, *party] for party in a.parter]
            out[TARGET_GROUPS] += [[a.id, group] for group in a.malgrupper]
        return out


def _between(rng: random.Random, start: date, end: date) -> date:
    """A random day in [start, end] (start when the range is empty)."""
    return start + timedelta(days=rng.randint(0, max(0, (end - start).days)))


def encode_csv(columns: list[str], rows: list[list[str]]) -> bytes:
    """The contract's file format: ``;``, CRLF, UTF-8 with BOM, quotes only where needed."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n", quoting=csv.QUOTE_MINIMAL)
    writer.writerow(columns)
    writer.writerows(rows)
    return buffer.getvalue().encode("utf-8-sig")


def _write(out_dir: Path, snapshot: date, tables: dict[str, list[list[str]]], as_zip: bool) -> Path:
    name = f"overenskommelser_{snapshot.isoformat()}"
    out_dir.mkdir(parents=True, exist_ok=True)
    files = {file_name: encode_csv(COLUMNS[file_name], tables[file_name]) for file_name in COLUMNS}
    if as_zip:
        target = out_dir / f"{name}.zip"
        with zipfile.ZipFile(target, "w", compression=zipfile.ZIP_DEFLATED) as archive:
            for file_name, data in files.items():
                # A fixed timestamp keeps the zip byte-for-byte reproducible.
                info = zipfile.ZipInfo(
                    f"{name}/{file_name}", date_time=(snapshot.year, snapshot.month, snapshot.day, 2, 0, 0)
                )
                info.compress_type = zipfile.ZIP_DEFLATED
                archive.writestr(info, data)
        return target
    target = out_dir / name
    target.mkdir(parents=True, exist_ok=True)
    for file_name, data in files.items():
        (target / file_name).write_bytes(data)
    return target


def _unknown_code(known: set[str]) -> str:
    for candidate in ("0199", "0198", "0197", "0100"):
        if candidate not in known:
            return candidate
    raise RuntimeError("no free municipality code found")  # pragma: no cover


def _break(register: _Register, snapshot: date) -> dict[str, list[list[str]]]:
    """The last valid state with each rule in INVALID_BREAKS broken once, on different agreements."""
    rng = register.rng
    tables = register.tables(snapshot)
    agreements = tables[AGREEMENTS]
    col = {name: i for i, name in enumerate(COLUMNS[AGREEMENTS])}
    used: set[str] = set()

    def pick(accept) -> list[str] | None:
        rows = [r for r in agreements if r[0] not in used and not r[col["overordnad_id"]] and accept(r)]
        if not rows:
            return None
        row = rng.choice(rows)
        used.add(row[0])
        return row

    parent_ids = {r[col["overordnad_id"]] for r in agreements}
    plain = [r[0] for r in agreements if r[0] not in parent_ids]
    tables[MUNICIPALITIES].append(["ÖK-9999-0001", register.municipalities[0].code, "egen"])
    tables[PARTIES].append(["ÖK-9999-0002", "Arbetsförmedlingen", "arbetsformedlingen", "undertecknare"])
    # The unknown code goes to an agreement that still covers enough valid ones, so it breaks one rule only.
    coverage = Counter(r[0] for r in tables[MUNICIPALITIES])
    wide = pick(lambda r: coverage[r[0]] >= 3)
    if wide:
        rows = [r for r in tables[MUNICIPALITIES] if r[0] == wide[0]]
        rows[-1][1] = _unknown_code(set(register.by_code))
    first = pick(lambda r: r[0] in plain and r[col["niva"]] in LOCAL_LEVELS)
    second = pick(lambda r: r[0] in plain and r[col["niva"]] in LOCAL_LEVELS)
    if first and second:
        first[col["overordnad_id"]], second[col["overordnad_id"]] = second[0], first[0]
    orphan = pick(lambda r: r[0] in plain and r[col["niva"]] == "lokal")
    if orphan:
        orphan[col["overordnad_id"]] = "RÖK-1999-99"
    dated = pick(lambda r: r[col["giltig_from"]] != "")
    if dated:
        start = date.fromisoformat(dated[col["giltig_from"]])
        dated[col["giltig_tom"]] = (start - timedelta(days=rng.randint(1, 400))).isoformat()
    early = pick(lambda r: r[col["status"]] in SIGNED)
    if early:
        early[col["tecknad_datum"]] = (snapshot + timedelta(days=rng.randint(1, 60))).isoformat()
    regional = pick(lambda r: r[col["niva"]] == "regional")
    if regional:
        regional[col["lanskod"]] = ""
    duplicate = pick(lambda r: r[col["niva"]] == "lokal")
    if duplicate:
        copy = list(duplicate)
        copy[col["namn"]] += " (dubblett)"
        agreements.append(copy)
    multi = pick(lambda r: r[col["niva"]] == "flerkommunal" and r[col["status"]] in SIGNED)
    if multi:
        rows = [r for r in tables[MUNICIPALITIES] if r[0] == multi[0]]
        tables[MUNICIPALITIES] = [r for r in tables[MUNICIPALITIES] if r[0] != multi[0] or r is rows[0]]
    return tables


def generate_register(
    out_dir: Path,
    n_agreements: int = 500,
    snapshot_dates: list[date] | None = None,
    seed: int = 1,
    invalid: bool = False,
    as_zip: bool = False,
) -> list[Path]:
    """Write one full-snapshot delivery per date into ``out_dir`` and return their paths, oldest first.

    ``n_agreements`` is the size of the register in the last snapshot (give or take a few); earlier
    snapshots are smaller because the register grows. With ``invalid`` one more delivery, dated a month
    after the last one, is appended in ``out_dir/invalid/``: it breaks the rules listed in ``INVALID_BREAKS``.
    With ``as_zip`` each delivery is a ``.zip`` holding the delivery folder instead of the folder itself.
    """
    dates = sorted(set(snapshot_dates or DEFAULT_SNAPSHOT_DATES))
    if n_agreements < 1:
        raise ValueError("n_agreements must be at least 1")
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    register = _Register(random.Random(seed), n_agreements, dates)
    paths = []
    for index, snapshot in enumerate(dates):
        register.step(index)
        paths.append(_write(out_dir, snapshot, register.tables(snapshot), as_zip))
    if invalid:
        snapshot = dates[-1] + timedelta(days=31)
        # beside the valid ones in a sub-folder, as in the shared samples (the pipeline finds it there too)
        paths.append(_write(out_dir / "invalid", snapshot, _break(register, snapshot), as_zip))
    return paths


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m ingestion.synthetic.register",
        description="Write synthetic deliveries of the agreement register (överenskommelseregistret).",
    )
    parser.add_argument("--out", type=Path, required=True, help="folder to write the deliveries into")
    parser.add_argument("--agreements", type=int, default=500, help="agreements in the last snapshot")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument(
        "--dates", help="comma-separated snapshot dates (YYYY-MM-DD); default half-yearly 2022-06-30 … 2025-12-31"
    )
    parser.add_argument("--invalid", action="store_true", help="also write one delivery that breaks rules")
    parser.add_argument("--zip", action="store_true", help="write each delivery as a .zip")
    args = parser.parse_args(argv)
    dates = [date.fromisoformat(d.strip()) for d in args.dates.split(",")] if args.dates else None
    for path in generate_register(args.out, args.agreements, dates, args.seed, args.invalid, args.zip):
        print(path)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
