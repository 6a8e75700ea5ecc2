"""The sheet's points per sub-question; each sub-question's checks share them out."""

SHEET = {
    "1a": 2,
    "1b": 3,
    "1c": 0,
    "1d": 1,
    "1e": 2,
    "1f": 1,
    "2a": 1,
    "2b": 5,
    "2c": 2,
    "2d": 1,
    "2e": 1,
}
TOTAL = sum(SHEET.values())
