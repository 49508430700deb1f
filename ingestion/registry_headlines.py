"""A few figures from the registry marts for the end of ``make demo`` (aggregated, disclosure-controlled)."""

from __future__ import annotations


def print_registry_headlines(conn) -> None:
    row = conn.execute(
        """select manad, n_registered_unemployed, n_in_programme, n_ended, share_ended_to_work_or_studies
           from marts.mart_jobseekers_monthly
           where niva = 'riket' and malgrupp = 'alla' order by manad desc limit 1""").fetchone()
    if row is None:
        return
    month, registered, in_programme, ended, share = row
    print(f"\nRegisterutdrag {month:%Y-%m} (hela landet): {registered:,} inskrivna arbetslösa, varav "
          f"{in_programme:,} i program; {ended:,} avaktualiserade, "
          f"{float(share or 0):.0%} till arbete eller studier")
    groups = conn.execute(
        """select malgrupp, n_registered_unemployed from marts.mart_jobseekers_monthly
           where niva = 'riket' and manad = %s and malgrupp <> 'alla' order by malgrupp""", (month,)).fetchall()
    if groups:
        print("  målgrupper: " + ", ".join(f"{g} {n:,}" for g, n in groups if n is not None))
    cells, suppressed = conn.execute(
        """select count(*), count(*) filter (where n_registered_unemployed_suppressed)
           from marts.mart_jobseekers_monthly where manad = %s and niva = 'kommun'""", (month,)).fetchone()
    print(f"  röjandekontroll: {suppressed} av {cells} kommunceller undertryckta (färre än 5, eller för att "
          "en summa annars skulle avslöja dem)")
    transition = conn.execute(
        """select event_month, event_type, n_events, share_with_outcome from marts.mart_transitions_90d
           where niva = 'riket' and malgrupp = 'alla' and is_window_complete
           order by event_month desc, event_type limit 2""").fetchall()
    for event_month, event_type, n, share in transition:
        print(f"  {event_type} {event_month:%Y-%m}: {n:,} lämnade, {float(share or 0):.0%} fick arbete eller "
              "började studera inom 90 dagar")
