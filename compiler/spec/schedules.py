"""Job schedules and durations: what the user writes -> what EventBridge and AWS take.

Pure functions; a problem is a ScheduleError carrying the message (and a hint)
that checks/schedules.py turns into a located Diagnostic.

Schedules (a job's `schedule`), always turned into an EventBridge schedule expression:

    rate(5 minutes), cron(0 3 * * ? *)   EventBridge's own forms, validated field by field
    @hourly @daily @midnight @weekly @monthly @yearly @annually
                                          fixed AWS cron expressions (as AWS Copilot maps them)
    @every 90m                            a whole number of minutes -> rate(...) in the
                                          largest unit that divides it (days, hours, minutes)
    0 3 * * 1-5                           a 5-field crontab line -> cron(6 fields)

A 5-field crontab differs from AWS cron in four ways this converter handles:
day-of-week numbers (crontab 0-7 with 0 and 7 = Sunday; AWS 1-7 from Sunday),
the year field (AWS's sixth), the day rule (AWS needs `?` in exactly one of
day-of-month and day-of-week; crontab matches a day when EITHER restricted field
matches, and when one field starts with `*` it only applies the other), and
steps in day-of-week (AWS has no `/` there: the days are listed). Each field is
read into the set of values it matches and written back canonically, so
`*/15` becomes `0/15` and `MON-FRI` becomes `2-6`.

Durations (`timeout`, queue settings): an integer number of seconds, or Go-style
text such as `1h30m`, `90m`, `45s`, `250ms`, `1.5h`, `4d` (units d, h, m, s, ms; `d`
as Copilot's queue retention examples write it).
"""

from __future__ import annotations

import re
from dataclasses import dataclass


class ScheduleError(ValueError):
    def __init__(self, message: str, hint: str = ""):
        super().__init__(message)
        self.message = message
        self.hint = hint


# --- durations ------------------------------------------------------------------

DURATION = re.compile(r"^(?:\d+(?:\.\d+)?(?:ms|d|h|m|s))+$")
_PART = re.compile(r"(\d+(?:\.\d+)?)(ms|d|h|m|s)")
_UNIT_SECONDS = {"d": 86400.0, "h": 3600.0, "m": 60.0, "s": 1.0, "ms": 0.001}


def duration_seconds(value: int | float | str) -> float:
    """Seconds of a duration as written: a number of seconds or text such as "1h30m"."""
    if isinstance(value, bool):
        raise ScheduleError(f"{value!r} is not a duration")
    if isinstance(value, (int, float)):
        return float(value)
    text = value.strip()
    if text.isdigit():
        return float(text)
    if not DURATION.match(text):
        raise ScheduleError(f"'{value}' is not a duration",
                            "write seconds (90) or a duration such as 1h30m, 90m, 45s or 250ms")
    return sum(float(n) * _UNIT_SECONDS[u] for n, u in _PART.findall(text))


# --- schedules ------------------------------------------------------------------

PRESETS = {
    "@hourly": "cron(0 * * * ? *)",
    "@daily": "cron(0 0 * * ? *)",
    "@midnight": "cron(0 0 * * ? *)",
    "@weekly": "cron(0 0 ? * 1 *)",
    "@monthly": "cron(0 0 1 * ? *)",
    "@yearly": "cron(0 0 1 1 ? *)",
    "@annually": "cron(0 0 1 1 ? *)",
}

MONTHS = ("JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC")
DAYS = ("SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT")


@dataclass(frozen=True)
class _Field:
    name: str
    low: int
    high: int
    names: tuple[str, ...] = ()      # names for low, low+1, ...


# crontab fields (day-of-week 0-7, 7 is Sunday again)
CRONTAB = (
    _Field("minute", 0, 59),
    _Field("hour", 0, 23),
    _Field("day-of-month", 1, 31),
    _Field("month", 1, 12, MONTHS),
    _Field("day-of-week", 0, 7, DAYS + ("SUN",)),
)
MINUTE, HOUR, DOM, MONTH, DOW = range(5)

RATE = re.compile(r"^rate\(\s*(\S+)\s+(\S+)\s*\)$")
RATE_UNITS = ("minute", "hour", "day")


def to_aws(schedule: str) -> str:
    """The EventBridge schedule expression for `schedule`, or ScheduleError."""
    text = " ".join(schedule.split())
    if text.startswith("rate("):
        return _rate(text)
    if text.startswith("cron("):
        return _aws_cron(text)
    if text.startswith("@every"):
        return _every(text[len("@every"):].strip())
    if text.startswith("@"):
        if text.lower() in PRESETS:
            return PRESETS[text.lower()]
        raise ScheduleError(f"unknown schedule shorthand '{schedule}'",
                            "use " + ", ".join(sorted(PRESETS)) + " or @every <duration>")
    fields = text.split(" ")
    if len(fields) == 6:
        raise ScheduleError(
            f"'{schedule}' has 6 fields: an AWS cron expression is written cron({text})",
            "or give a 5-field crontab line: minute hour day-of-month month day-of-week")
    if len(fields) != 5:
        raise ScheduleError(
            f"'{schedule}' is not a schedule",
            "use rate(5 minutes), cron(0 3 * * ? *), @daily, @every 90m or a 5-field crontab line "
            "such as '0 3 * * *'")
    return _crontab(fields)


def _rate(text: str) -> str:
    found = RATE.match(text)
    if not found:
        raise ScheduleError(f"'{text}' is not a rate expression", "write rate(5 minutes), rate(1 hour), ...")
    value, unit = found.groups()
    if not value.isdigit() or int(value) < 1:
        raise ScheduleError(f"'{text}': the rate must be a positive whole number",
                            "write rate(5 minutes), rate(1 hour), ...")
    n = int(value)
    singular = unit.rstrip("s") if unit.endswith("s") else unit
    if singular not in RATE_UNITS:
        raise ScheduleError(f"'{text}': unknown unit '{unit}'", "use minute(s), hour(s) or day(s)")
    correct = singular if n == 1 else singular + "s"
    if unit != correct:
        raise ScheduleError(f"'{text}': EventBridge wants '{correct}' for {n}",
                            f"write rate({n} {correct})")
    return f"rate({n} {correct})"


def _every(duration: str) -> str:
    try:
        seconds = duration_seconds(duration)
    except ScheduleError:
        raise ScheduleError(f"'@every {duration}': '{duration}' is not a duration",
                            "write @every 30m, @every 1h30m, ...") from None
    if seconds < 60 or seconds % 60:
        raise ScheduleError(f"'@every {duration}': EventBridge runs schedules in whole minutes, "
                            "one minute or more", "write a whole number of minutes, such as @every 5m")
    minutes = int(seconds // 60)
    for unit, size in (("day", 1440), ("hour", 60), ("minute", 1)):
        if minutes % size == 0:
            n = minutes // size
            return f"rate({n} {unit if n == 1 else unit + 's'})"
    raise AssertionError("unreachable: every whole minute count divides by 1")


def _values(token: str, field: _Field) -> int:
    upper = token.upper()
    if field.names and upper in field.names:
        return field.low + field.names.index(upper)
    if not token.isdigit():
        raise ScheduleError(f"'{token}' is not a valid {field.name}")
    value = int(token)
    if not field.low <= value <= field.high:
        raise ScheduleError(f"{field.name} {value} is outside {field.low}-{field.high}")
    return value


def _field_set(text: str, field: _Field) -> set[int]:
    """The values a crontab field matches."""
    found: set[int] = set()
    for item in text.split(","):
        base, _, step_text = item.partition("/")
        step = 1
        if step_text:
            if not step_text.isdigit() or int(step_text) < 1:
                raise ScheduleError(f"step '/{step_text}' in {field.name} '{text}' must be a positive number")
            step = int(step_text)
        if base in ("*", "?"):
            low, high = field.low, field.high
        elif "-" in base:
            first, _, last = base.partition("-")
            low, high = _values(first, field), _values(last, field)
            if low > high:
                raise ScheduleError(f"{field.name} range '{base}' runs backwards")
        elif base:
            low = _values(base, field)
            high = field.high if step_text else low
        else:
            raise ScheduleError(f"empty item in {field.name} '{text}'")
        found.update(range(low, high + 1, step))
    return found


def _compress(values: set[int], low: int, high: int, steps: bool) -> str:
    ordered = sorted(values)
    if ordered == list(range(low, high + 1)):
        return "*"
    if steps and len(ordered) >= 3:
        start, step = ordered[0], ordered[1] - ordered[0]
        if step > 1 and ordered == list(range(start, high + 1, step)):
            return f"{start}/{step}"
    parts: list[str] = []
    run: list[int] = []
    for value in ordered + [None]:
        if run and (value is None or value != run[-1] + 1):
            parts.append(f"{run[0]}-{run[-1]}" if len(run) >= 3 else ",".join(map(str, run)))
            run = []
        if value is not None:
            run.append(value)
    return ",".join(parts)


def _crontab(fields: list[str]) -> str:
    sets = [_field_set(text, CRONTAB[i]) for i, text in enumerate(fields)]
    days_of_week = {0 if d == 7 else d for d in sets[DOW]}
    dom_star = fields[DOM][0] in "*?"
    dow_star = fields[DOW][0] in "*?"
    dom_all = sets[DOM] == set(range(1, 32))
    dow_all = days_of_week == set(range(7))
    # crontab: with both fields restricted (neither starts with * or ?), a day matches
    # if EITHER matches; otherwise both must. AWS keeps one and writes `?` in the other.
    if not dom_star and not dow_star:
        if not (dom_all or dow_all):
            raise ScheduleError(
                f"'{' '.join(fields)}' runs on the days that match day-of-month OR day-of-week; "
                "an AWS cron expression can restrict only one of the two",
                "use '*' in one of them, or split the job in two")
        dom, dow = "*", "?"                     # one side matches every day: so does the OR
    elif dow_all:
        dom, dow = _compress(sets[DOM], 1, 31, True), "?"
    elif dom_all:
        dom, dow = "?", _compress({d + 1 for d in days_of_week}, 1, 7, False)
    else:
        raise ScheduleError(
            f"'{' '.join(fields)}' restricts both day-of-month and day-of-week; an AWS cron "
            "expression can restrict only one of them",
            "use '*' in one of the two, or split the job in two")
    minute = _compress(sets[MINUTE], 0, 59, True)
    hour = _compress(sets[HOUR], 0, 23, True)
    month = _compress(sets[MONTH], 1, 12, True)
    return f"cron({minute} {hour} {dom} {month} {dow} *)"


# --- AWS cron, validated ----------------------------------------------------------

_NUM = r"(?:\d{1,4})"
_AWS_FIELDS = (
    ("minutes", 0, 59, r"[0-9*,/-]+", ()),
    ("hours", 0, 23, r"[0-9*,/-]+", ()),
    ("day-of-month", 1, 31, r"[0-9*,/?LW-]+", ()),
    ("month", 1, 12, r"[0-9A-Za-z*,/-]+", MONTHS),
    ("day-of-week", 1, 7, r"[0-9A-Za-z*,?L#-]+", DAYS),
    ("year", 1970, 2199, r"[0-9*,/-]+", ()),
)


def _aws_cron(text: str) -> str:
    if not text.endswith(")"):
        raise ScheduleError(f"'{text}' is missing its closing parenthesis")
    fields = text[len("cron("):-1].split()
    if len(fields) != 6:
        raise ScheduleError(
            f"'{text}' has {len(fields)} fields; an AWS cron expression has 6: "
            "minutes hours day-of-month month day-of-week year",
            "such as cron(0 3 * * ? *); a 5-field crontab line is written without cron(...)")
    for value, (name, low, high, chars, names) in zip(fields, _AWS_FIELDS):
        if not re.fullmatch(chars, value):
            raise ScheduleError(f"'{text}': '{value}' is not a valid {name} field")
        for token in re.split(r"[,/#-]", value):
            token = token.upper()
            bare = token.rstrip("LW") if name in ("day-of-month", "day-of-week") else token
            if bare in ("", "*", "?") or bare in names:
                continue
            if not bare.isdigit():
                raise ScheduleError(f"'{text}': '{token}' is not a valid {name} value")
            # after "/" comes a step and after "#" the week of the month: not range-checked
            n = int(bare)
            if not (low <= n <= high) and not re.search(rf"[/#]{bare}(?:\D|$)", value):
                raise ScheduleError(f"'{text}': {name} {n} is outside {low}-{high}")
    dom, dow = fields[2], fields[4]
    if (dom == "?") == (dow == "?"):
        raise ScheduleError(
            f"'{text}': exactly one of day-of-month and day-of-week must be '?'",
            f"such as cron({' '.join(fields[:2])} {dom if dom != '?' else '*'} {fields[3]} ? {fields[5]})")
    return f"cron({' '.join(fields)})"
