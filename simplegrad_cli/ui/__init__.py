"""What the command shows: the console (the one place that escapes), progress, reports,
charts and pictures."""
