"""The paper fallback for poor signal: printable join posters, table cards and team kits, and the
facilitator's way of typing in what teams wrote on paper."""
