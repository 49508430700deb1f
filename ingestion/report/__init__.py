"""The national situation report (lägesbild): editions for the whole country and each county, built from
the marts only (``queries``), formatted as Swedish official statistics (``formatting``), written with their
manifest (``build``)."""
