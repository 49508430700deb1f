"""Personal data: the keyed pseudonym that replaces every personnummer, and names removed from free text."""
