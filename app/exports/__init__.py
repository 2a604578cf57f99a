"""What leaves Lenswalk after an event: the priority list and action plan as CSV, XLSX and PDF, the
HTML report, and the JSON archive that restores an event elsewhere."""
