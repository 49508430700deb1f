"""Great Expectations (GX Core): suites run on deliveries before they load, and on the marts after a build."""
