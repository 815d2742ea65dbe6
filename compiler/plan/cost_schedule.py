"""What a service's count.schedule saves (or costs) against its autoscaling minimum.

Over one week, each window's range holds from its start times until the next window
starts; the minimum count of each stretch is compared with count.range's minimum, the
count the Fargate line prices. Windows are read in their own time zone and the week is
the same in every zone, so offsets do not change the weekly sum (a daylight-saving shift
does, by an hour twice a year: not counted). A schedule this reading does not take
(rate(...), days of the month, months, years) is noted instead of priced.
"""

from __future__ import annotations

from compiler import model as m
from compiler.plan.cost_compute import _value, fargate_rates
from compiler.plan.cost_items import LineItem, num, usd
from compiler.plan.prices import RegionPrices

WEEK_MINUTES = 7 * 24 * 60


def _expand(field: str, low: int, high: int) -> set[int] | None:
    values: set[int] = set()
    for item in field.split(","):
        step = 1
        if "/" in item:
            item, step_text = item.split("/")
            step = int(step_text)
        if item in ("*", "?"):
            a, b = low, high
        elif "-" in item:
            a, b = (_value(x, low) for x in item.split("-"))
        elif item.isdigit() or item.upper() in ("SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"):
            a = b = _value(item, low)
            if "/" in field:
                b = high
        else:
            return None
        values |= set(range(a, b + 1, step))
    return values


def starts(expression: str) -> list[int] | None:
    """Minutes of the week (0 = Sunday 00:00) a cron(...) window starts at; None if not read."""
    if not expression.startswith("cron("):
        return None
    fields = expression[5:-1].split()
    if len(fields) != 6:
        return None
    minute, hour, dom, month, dow, year = fields
    if dom not in ("*", "?") or month != "*" or year not in ("*", "?"):
        return None
    minutes, hours, days = _expand(minute, 0, 59), _expand(hour, 0, 23), _expand(dow, 1, 7)
    if minutes is None or hours is None or days is None:
        return None
    return sorted((d - 1) * 1440 + h * 60 + mi for d in days for h in hours for mi in minutes)


def saving_items(app: m.App, p: RegionPrices, hours: int) -> list[LineItem]:
    items = []
    for s in app.services:
        if s.scaling is None or not s.scaling.schedule:
            continue
        events = []
        unread = []
        for w in s.scaling.schedule:
            found = starts(w.expression)
            if found is None:
                unread.append(w.expression)
            else:
                events += [(t, w.min) for t in found]
        if not events:
            continue
        events.sort()
        # minute-weighted task count over the week: each stretch runs to the next start
        task_minutes = 0
        for i, (t, count) in enumerate(events):
            end = events[i + 1][0] if i + 1 < len(events) else events[0][0] + WEEK_MINUTES
            task_minutes += (end - t) * count
        average = task_minutes / WEEK_MINUTES
        vcpu_rate, gb_rate, _ = fargate_rates(s, p)
        vcpus, gbs = s.cpu / 1024, s.memory / 1024
        delta = (average - s.desired_count) * hours * (vcpus * vcpu_rate + gbs * gb_rate)
        note = (f"count.schedule: {num(round(average, 2))} tasks on average at the windows' minimums, "
                f"against {s.desired_count}")
        if unread:
            note += f"; not priced: {', '.join(unread)}"
        items.append(LineItem(
            "Fargate", f"{s.name}: scheduled count",
            f"({num(round(average, 2))} − {s.desired_count}) × {hours} h × ({num(vcpus)} vCPU × {usd(vcpu_rate)} + "
            f"{num(gbs)} GB × {usd(gb_rate)})",
            delta, note))
    return items
