"""The shared ground every source stands on: configuration, problems and the one outcome type, delivery
discovery, CSV reading and the official reference codes. Imports nothing else of the project."""
