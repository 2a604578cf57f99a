"""The live room as each screen sees it: read models over the rules, never written through.

`context` builds what the board, the facilitator console and a phone show; `board` is the
projector's wall, chart and spotlight notes; `renderer` turns room messages into the HTML of the
regions they change; `feed` reads messages back from the room log and shapes their JSON per
audience. Nothing here changes the database; the rules below never import from here."""
