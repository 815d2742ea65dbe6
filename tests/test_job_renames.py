"""#22: renames that keep identity for jobs (`jobs.<name>.renamed_from`, state/jobs.py, FC273),
and the access points and log groups of a renamed service (default directories follow the
identity a rename keeps)."""

from __future__ import annotations

import copy
import json
import shutil

import pytest
import yaml

from compiler import diff
from compiler.diff.templates import from_directory
from compiler.state import lockfile, records
from tests.test_updates import BASE, ECR, Workspace, resources

JOBS = {
    "app": "reports",
    "network": {"nat": "single"},
    "services": {"api": {"image": f"{ECR}/api:1", "port": 8080}},
    "jobs": {
        "nightly": {"image": f"{ECR}/report:1", "schedule": "cron(0 3 * * ? *)", "retries": 1,
                    "storage": {"volumes": {"data": {"path": "/data", "read_only": False, "efs": True}}}},
        "cleanup": {"image": f"{ECR}/cleanup:1", "schedule": "@weekly"},
    },
}


def renamed(spec: dict, old: str, new: str, keep: bool = True) -> dict:
    spec = copy.deepcopy(spec)
    spec["jobs"][new] = spec["jobs"].pop(old)
    if keep:
        spec["jobs"][new]["renamed_from"] = old
    return spec


def job_resources(directory) -> dict[str, dict]:
    return {i: r for (f, i), r in resources(directory).items() if f == "jobs.json"}


def lock_record(ws: Workspace) -> dict:
    return json.loads(lockfile.path_for(ws.spec).read_text())["stacks"]["reports-dev"]


def test_a_job_renamed_with_renamed_from_is_modified_in_place(tmp_path):
    ws = Workspace(tmp_path)
    before = ws.compile(JOBS)
    after = ws.compile(renamed(JOBS, "nightly", "daily-report"))
    old, new = job_resources(before), job_resources(after)
    assert set(old) == set(new)          # every logical ID kept: nothing added, nothing removed
    for suffix, name_key in (("StateMachine", "StateMachineName"), ("Schedule", "Name")):
        assert new["Nightly" + suffix]["Properties"][name_key] == old["Nightly" + suffix]["Properties"][name_key] \
            == "reports-dev-nightly"
    access_point = new["NightlyDataAccessPoint"]["Properties"]
    tags = {"AccessPointTags": access_point["AccessPointTags"]}      # the Name tag follows the new name
    assert access_point == old["NightlyDataAccessPoint"]["Properties"] | tags
    assert access_point["RootDirectory"]["Path"] == "/nightly/data"
    assert new["NightlyTaskSecurityGroup"]["Properties"]["GroupDescription"] == \
        old["NightlyTaskSecurityGroup"]["Properties"]["GroupDescription"]
    result = diff.compute(from_directory(str(before)), from_directory(str(after)))
    stack = result.changes.stacks["jobs.json"]
    replaced = {i for _, i in result.changes.replaced}
    assert not stack.added and not stack.removed and replaced == {"NightlyTaskDefinition"}, \
        (stack.added, stack.removed, replaced)     # a task definition is a new revision on any change
    assert result.hazards == [], result.hazards
    record = lock_record(ws)
    assert record["jobs"] == {"cleanup": {"key": "Cleanup"},
                              "daily-report": {"key": "Nightly", "identity": "nightly",
                                               "access_points": {"data": [1000, 1000, "/nightly/data", "managed"]}}}
    assert records.problems(record) == []
    # the key stays harmless: without it the next compile changes nothing
    spec = renamed(JOBS, "nightly", "daily-report", keep=False)
    again = ws.compile(spec)
    assert diff.compute(from_directory(str(after)), from_directory(str(again))).changes.stacks["jobs.json"].empty()


def test_a_job_renamed_without_renamed_from_is_warned_at_its_line(tmp_path):
    from compiler.pipeline import validate

    ws = Workspace(tmp_path)
    ws.compile(JOBS)
    ws.spec.write_text(yaml.safe_dump(renamed(JOBS, "nightly", "daily-report", keep=False), sort_keys=False))
    _, found = validate(str(ws.spec))
    (warning,) = [d for d in found if d.code == "FC273"]
    assert warning.severity == "warning" and warning.path == "jobs.daily-report" and warning.line > 1
    assert "runs twice" in warning.message and "retained" in warning.message and "renamed_from" in warning.message
    assert "files stay in /nightly/data" in warning.message


def _validate_with_extra_job(tmp_path, renamed_from: str):
    """Compile JOBS, then validate it with a job `extra` (cleanup's copy) renamed from `renamed_from`."""
    from compiler.pipeline import validate

    ws = Workspace(tmp_path)
    ws.compile(JOBS)
    spec = copy.deepcopy(JOBS)
    spec["jobs"]["extra"] = {**spec["jobs"]["cleanup"], "renamed_from": renamed_from}
    ws.spec.write_text(yaml.safe_dump(spec, sort_keys=False))
    return validate(str(ws.spec))


def test_renamed_from_a_job_the_spec_still_has_is_an_error(tmp_path):
    app, found = _validate_with_extra_job(tmp_path, renamed_from="cleanup")
    assert app is None
    assert any(d.code == "FC273" and d.severity == "error" and d.path == "jobs.extra.renamed_from" for d in found)


def test_renamed_from_a_job_the_last_compile_did_not_have_is_a_warning(tmp_path):
    app, found = _validate_with_extra_job(tmp_path, renamed_from="nosuch")
    (warning,) = [d for d in found if d.code == "FC273"]
    assert warning.severity == "warning" and "names no job of the last compile" in warning.message
    assert app.jobs[[j.name for j in app.jobs].index("extra")].key == "Extra"


def test_a_new_job_may_not_take_the_name_a_renamed_job_keeps(tmp_path):
    from compiler.pipeline import validate

    ws = Workspace(tmp_path)
    ws.compile(JOBS)
    spec = renamed(JOBS, "nightly", "daily-report")
    ws.compile(spec)
    spec["jobs"]["nightly"] = copy.deepcopy(JOBS["jobs"]["cleanup"])
    ws.spec.write_text(yaml.safe_dump(spec, sort_keys=False))
    app, found = validate(str(ws.spec))
    assert app is None and any(d.code == "FC273" and d.path == "jobs.nightly" and "state machine" in d.message
                               for d in found)


def test_a_lock_from_before_jobs_were_recorded_still_reads_and_moves_nothing(tmp_path):
    """An existing lock (no `jobs` field): every job keeps its PascalCase key; renamed_from is
    taken on trust, with a warning."""
    ws = Workspace(tmp_path)
    before = ws.compile(JOBS)
    path = lockfile.path_for(ws.spec)
    lock = json.loads(path.read_text())
    del lock["stacks"]["reports-dev"]["jobs"]
    path.write_text(json.dumps(lock))
    again = ws.compile(JOBS)
    assert diff.compute(from_directory(str(before)), from_directory(str(again))).changes.stacks["jobs.json"].empty()
    assert "jobs" in lock_record(ws)        # written now
    lock = json.loads(path.read_text())
    del lock["stacks"]["reports-dev"]["jobs"]
    path.write_text(json.dumps(lock))
    from compiler.pipeline import validate

    ws.spec.write_text(yaml.safe_dump(renamed(JOBS, "nightly", "daily-report"), sort_keys=False))
    app, found = validate(str(ws.spec))
    assert [d.code for d in found if d.code == "FC273"] == ["FC273"]
    assert {j.name: (j.key, j.identity) for j in app.jobs}["daily-report"] == ("Nightly", "nightly")


def test_damaged_job_records_are_damage():
    base = {"services": {}}
    assert records.problems({**base, "jobs": {"a": {"key": "A"}, "b": {"key": "B", "identity": "x"}}}) == []
    assert records.problems({**base, "jobs": []})
    assert records.problems({**base, "jobs": {"a": {"key": 7}}})
    assert records.problems({**base, "jobs": {"a": {"key": "A"}, "b": {"key": "A"}}})
    assert records.problems({**base, "jobs": {"a": {"key": "A", "queues": []}}})
    assert records.problems({**base, "jobs": {"Bad Name": {"key": "A"}}})
    point = {"data": [1000, 1000, "/a/data", "managed"]}
    assert records.problems({**base, "jobs": {"a": {"key": "A", "access_points": point}}}) == []
    for bad in ({"data": [1000, 1000, "/a/data"]}, {"data": [1000, "1000", "/a/data", "managed"]},
                {"data": [1000, 1000, "a/data", "managed"]}, [], {"bad name": point["data"]}):
        assert records.problems({**base, "jobs": {"a": {"key": "A", "access_points": bad}}}), bad
        assert records.problems({"services": {"a": {"key": "A", "stack": "services", "access_points": bad}}}), bad


# --- a renamed service's access points and log groups ----------------------------------------

def test_a_service_renamed_with_renamed_from_keeps_its_log_group_and_access_point(tmp_path):
    old = copy.deepcopy(BASE)
    old["services"]["web"]["storage"] = {"volumes": {"content": {"path": "/var/www", "read_only": False,
                                                                 "efs": {"uid": 1001, "gid": 1001}}}}
    new = copy.deepcopy(old)
    new["services"]["site"] = {**new["services"].pop("web"), "renamed_from": "web"}
    ws = Workspace(tmp_path)
    before, after = ws.compile(old), ws.compile(new)
    result = diff.compute(from_directory(str(before)), from_directory(str(after)))
    changes = result.changes
    for stack in changes.stacks.values():
        assert not {i for i in {i for _, i in changes.replaced} | set(stack.added) | set(stack.removed)
                    if "AccessPoint" in i or "LogGroup" in i or "SecurityGroup" in i}, stack
    assert not {k.kind for k in result.hazards} & {"data-view", "data-deletion", "replacement"}, result.hazards
    found = resources(after)
    point = next(r for (f, i), r in found.items() if i == "WebContentAccessPoint")
    assert point["Properties"]["RootDirectory"]["Path"] == "/web/content"
    assert ("services.json", "WebLogGroup") in found and ("services.json", "SiteLogGroup") not in found
    # a new service named like the old one would share its directories: refused at its line
    from compiler.pipeline import validate

    new["services"]["web"] = copy.deepcopy(old["services"]["web"])
    ws.spec.write_text(yaml.safe_dump(new, sort_keys=False))
    app, found = validate(str(ws.spec))
    assert app is None and any(d.code == "FC272" and d.path == "services.web" and "/web/content" in d.message
                               for d in found), [d.format() for d in found]


# --- with every other key ----------------------------------------------------------------------

@pytest.mark.slow
def test_a_job_rename_keeps_identity_with_every_fragment_of_the_catalogue(tmp_path):
    """The job of the `efs-job` fragment (a managed EFS volume) beside each fragment of the
    combination catalogue, compiled, then renamed with renamed_from and compiled in place: no
    job resource is added, removed or replaced (a task definition's new revision excepted),
    and no other stack is touched beyond in-place updates."""
    from compiler.pipeline import compile_spec
    from tests import combinations as catalogue

    ran, refused = 0, []
    for index, fragment in enumerate(catalogue.CATALOGUE):
        others = (fragment,) if fragment.name != "efs-job" else ()
        combo = catalogue.Combination(catalogue.by_name(["efs-job"]) + others)
        work = tmp_path / str(index)
        work.mkdir()
        spec_path, out = work / "spec.yaml", work / "out"
        spec = combo.spec
        spec_path.write_text(yaml.safe_dump(spec, sort_keys=False))
        first = compile_spec(str(spec_path), str(out), lint=False, env=combo.env, values=combo.values)
        if first.status != "ok":
            refused.append(combo.id)          # a pair the catalogue knows is refused
            continue
        before = work / "before"
        shutil.copytree(first.output, before)
        spec = copy.deepcopy(spec)
        spec["jobs"]["archive"] = {**spec["jobs"].pop("backup"), "renamed_from": "backup"}
        spec_path.write_text(yaml.safe_dump(spec, sort_keys=False))
        second = compile_spec(str(spec_path), str(out), lint=False, env=combo.env, values=combo.values)
        assert second.status == "ok", (combo.id, [d.format() for d in second.diagnostics])
        result = diff.compute(from_directory(str(before)), from_directory(str(second.output)))
        jobs = result.changes.stacks["jobs.json"]
        replaced = {i for _, i in result.changes.replaced}
        assert not jobs.added and not jobs.removed, (combo.id, jobs.added, jobs.removed)
        assert replaced <= {"BackupTaskDefinition"}, (combo.id, replaced)
        others = {f: s for f, s in result.changes.stacks.items() if f not in ("jobs.json", "root.json")}
        assert not any(s.added or s.removed for s in others.values()), combo.id
        assert not [d for d in second.diagnostics if d.code == "FC273"], combo.id
        ran += 1
    assert ran >= len(catalogue.CATALOGUE) - 5, refused


def test_diff_reports_the_schedule_a_rename_without_renamed_from_runs_twice(tmp_path):
    ws = Workspace(tmp_path)
    before = ws.compile(JOBS)
    after = ws.compile(renamed(JOBS, "nightly", "daily-report", keep=False))
    result = diff.compute(from_directory(str(before)), from_directory(str(after)))
    assert ("duplicate-schedule", "DailyReportSchedule") in {(h.kind, h.id) for h in result.hazards}, result.hazards
    # not for a schedule that differs, nor for a rename with renamed_from (nothing created)
    (tmp_path / "other").mkdir()
    ws = Workspace(tmp_path / "other")
    before = ws.compile(JOBS)
    spec = renamed(JOBS, "nightly", "daily-report", keep=False)
    spec["jobs"]["daily-report"]["schedule"] = "@hourly"
    after = ws.compile(spec)
    assert "duplicate-schedule" not in {h.kind for h in diff.compute(
        from_directory(str(before)), from_directory(str(after))).hazards}


def test_a_service_renamed_without_renamed_from_is_warned_of_its_files(tmp_path):
    from compiler.pipeline import validate

    old = copy.deepcopy(BASE)
    old["services"]["web"]["storage"] = {"volumes": {"content": {"path": "/var/www", "efs": True}}}
    ws = Workspace(tmp_path)
    ws.compile(old)
    new = copy.deepcopy(old)
    new["services"]["site"] = new["services"].pop("web")
    ws.spec.write_text(yaml.safe_dump(new, sort_keys=False))
    _, found = validate(str(ws.spec))
    (warning,) = [d for d in found if d.code == "FC272"]
    assert warning.path == "services.site" and "/web/content" in warning.message and "/site/content" in warning.message


def test_a_service_renamed_keeping_its_alias_but_not_its_directory_is_refused(tmp_path):
    """A rename recognised by its Service Connect alias keeps the key (so the access point's
    logical ID) but, without renamed_from, not the directory: refused, pointing at renamed_from."""
    from compiler.pipeline import validate

    old = copy.deepcopy(BASE)
    old["services"]["backend"]["storage"] = {"volumes": {"data": {"path": "/data", "efs": True}}}
    ws = Workspace(tmp_path)
    ws.compile(old)
    new = copy.deepcopy(old)
    new["services"]["api"] = new["services"].pop("backend")
    new["services"]["api"]["connect"] = {"alias": "backend"}
    ws.spec.write_text(yaml.safe_dump(new, sort_keys=False))
    app, found = validate(str(ws.spec))
    assert app is None and any(d.code == "FC273" and "renamed_from" in d.message and "/backend/data" in d.message
                               for d in found), [d.format() for d in found]
    new["services"]["api"]["renamed_from"] = "backend"
    ws.compile(new)
