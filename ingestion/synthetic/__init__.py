"""Synthetic deliveries for every source, following the contracts (their constants imported, not copied),
and the demo that runs the pipelines over them."""
