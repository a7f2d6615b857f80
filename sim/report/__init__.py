"""Writers of a run's results: files for scripts, a report for people."""
