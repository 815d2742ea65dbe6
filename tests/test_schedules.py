"""Job schedules and durations: the AWS form of every accepted schedule, and the refusals."""

import pytest

from compiler.spec.schedules import ScheduleError, duration_seconds, to_aws


@pytest.mark.parametrize("written, aws", [
    # EventBridge's own forms pass through (whitespace normalized)
    ("rate(1 hour)", "rate(1 hour)"),
    ("rate(5  minutes)", "rate(5 minutes)"),
    ("cron(0 3 * * ? *)", "cron(0 3 * * ? *)"),
    ("cron(0/15 * ? * MON-FRI *)", "cron(0/15 * ? * MON-FRI *)"),
    ("cron(0 10 ? * 6L 2019-2022)", "cron(0 10 ? * 6L 2019-2022)"),
    ("cron(0 18 ? * 3#2 *)", "cron(0 18 ? * 3#2 *)"),
    # shorthands
    ("@hourly", "cron(0 * * * ? *)"),
    ("@daily", "cron(0 0 * * ? *)"),
    ("@weekly", "cron(0 0 ? * 1 *)"),
    ("@monthly", "cron(0 0 1 * ? *)"),
    ("@yearly", "cron(0 0 1 1 ? *)"),
    ("@annually", "cron(0 0 1 1 ? *)"),
    ("@every 90m", "rate(90 minutes)"),
    ("@every 2h", "rate(2 hours)"),
    ("@every 1h", "rate(1 hour)"),
    ("@every 48h", "rate(2 days)"),
    # 5-field crontab: day-of-week renumbered from Sunday = 1, `?` in the unrestricted day field
    ("0 9 * * 1-5", "cron(0 9 ? * 2-6 *)"),
    ("0 9 * * MON-FRI", "cron(0 9 ? * 2-6 *)"),
    ("0 3 * * 0", "cron(0 3 ? * 1 *)"),
    ("0 3 * * 7", "cron(0 3 ? * 1 *)"),          # 7 is Sunday too
    ("0 3 * * */2", "cron(0 3 ? * 1,3,5,7 *)"),  # AWS has no step in day-of-week: listed
    ("0 0 1 * *", "cron(0 0 1 * ? *)"),
    ("0 0 */2 * *", "cron(0 0 1/2 * ? *)"),
    ("*/15 * * * *", "cron(0/15 * * * ? *)"),
    ("* * * * *", "cron(* * * * ? *)"),
    ("0 0 * 1-6/2 *", "cron(0 0 * 1,3,5 ? *)"),
    ("30 2 * * *", "cron(30 2 * * ? *)"),
    ("0 0 1-31 * 1", "cron(0 0 * * ? *)"),       # OR with every day is every day
])
def test_schedule_to_aws(written, aws):
    assert to_aws(written) == aws


@pytest.mark.parametrize("written, fragment", [
    ("0 0 1 * 1", "day-of-month OR day-of-week"),           # crontab ORs two restricted fields
    ("0 0 */2 * */2", "restricts both"),
    ("rate(2 hour)", "wants 'hours' for 2"),
    ("rate(1 hours)", "wants 'hour' for 1"),
    ("rate(0 minutes)", "positive whole number"),
    ("rate(5 weeks)", "unknown unit"),
    ("cron(0 3 * * * *)", "exactly one of day-of-month and day-of-week must be '?'"),
    ("cron(0 25 * * ? *)", "hours 25 is outside 0-23"),
    ("cron(0 3 * * ?)", "has 5 fields"),
    ("0 3 * * ? *", "written cron(0 3 * * ? *)"),
    ("60 * * * *", "minute 60 is outside 0-59"),
    ("0 0 0 * *", "day-of-month 0 is outside 1-31"),
    ("0 0 * * 5-1", "runs backwards"),
    ("@every 30s", "whole minutes"),
    ("@every 90s", "whole minutes"),
    ("@fortnightly", "unknown schedule shorthand"),
    ("every day", "is not a schedule"),
])
def test_bad_schedule_is_refused_with_a_reason(written, fragment):
    with pytest.raises(ScheduleError) as caught:
        to_aws(written)
    assert fragment in caught.value.message


@pytest.mark.parametrize("written, seconds", [
    (90, 90.0), ("90", 90.0), ("1h30m", 5400.0), ("90m", 5400.0), ("45s", 45.0),
    ("250ms", 0.25), ("1.5h", 5400.0), ("2m30s", 150.0), ("5d", 432000.0),
])
def test_durations(written, seconds):
    assert duration_seconds(written) == seconds


@pytest.mark.parametrize("written", ["1w", "h", "1 h", "-5s", True])
def test_bad_durations(written):
    with pytest.raises(ScheduleError):
        duration_seconds(written)
