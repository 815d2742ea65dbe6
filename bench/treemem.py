"""Wall time and peak memory of a whole command's process tree: how the test suite's figures are measured.

    python bench/treemem.py python -m pytest            # the README's test command
    python bench/treemem.py python -m pytest -m "not e2e"

Every 0.1 s it sums, over the command and all its descendants (pytest-xdist workers, lint
workers, checkov, the AWS CLI), the resident (RSS) and proportional (PSS, shared pages split
among their sharers) set sizes from /proc/PID/smaps_rollup (Linux). It prints the wall time,
both peaks, the processes at the PSS peak, and the load average at the start, mean and end:
on a shared machine, compare runs only beside their load, and alternate before/after runs.
`/usr/bin/time -v` reports one process's maximum only; cgroup v1 has no per-command peak.
It also prints the CPU seconds (user+sys) of the whole tree, every descendant that was waited
for (resource.getrusage(RUSAGE_CHILDREN)): the figure to compare on a loaded machine.
TREEMEM_TRACE=FILE writes every process's PSS each second to FILE (seconds, pid, MB, command):
the workers' memory over time.
"""
import os, resource, subprocess, sys, time

def children_map():
    kids = {}
    for pid in os.listdir("/proc"):
        if not pid.isdigit():
            continue
        try:
            with open(f"/proc/{pid}/stat") as f:
                s = f.read()
            ppid = int(s[s.rindex(")") + 2:].split()[1])
            kids.setdefault(ppid, []).append(int(pid))
        except Exception:
            pass
    return kids

def tree(root):
    kids = children_map(); out = [root]; i = 0
    while i < len(out):
        out.extend(kids.get(out[i], [])); i += 1
    return out

def mem(pid):
    rss = pss = 0
    try:
        with open(f"/proc/{pid}/smaps_rollup") as f:
            for line in f:
                if line.startswith("Rss:"): rss = int(line.split()[1])
                elif line.startswith("Pss:"): pss = int(line.split()[1])
    except Exception:
        pass
    return rss, pss

load0 = os.getloadavg()
t0 = time.monotonic()
p = subprocess.Popen(sys.argv[1:])
peak_rss = peak_pss = peak_n = 0
peak_comp = []
loads = []
trace = open(os.environ["TREEMEM_TRACE"], "w") if os.environ.get("TREEMEM_TRACE") else None
last_trace = -1.0
while p.poll() is None:
    pids = tree(p.pid)
    r = s = 0; parts = []
    for pid in pids:
        a, b = mem(pid); r += a; s += b; parts.append((b, pid))
    if s > peak_pss:
        comp = []
        for b, pid in sorted(parts, reverse=True):
            try: cmd = open(f"/proc/{pid}/cmdline").read().replace("\0", " ")[:90]
            except Exception: cmd = "?"
            comp.append(f"{b/1024:.0f}MB {pid} {cmd}")
        peak_comp = comp
    now = time.monotonic() - t0
    if trace and now - last_trace >= 1.0:
        last_trace = now
        for b, pid in parts:
            try: cmd = open(f"/proc/{pid}/cmdline").read().replace("\0", " ")[:80]
            except Exception: cmd = "?"
            trace.write(f"{now:.0f} {pid} {b/1024:.0f} {cmd}\n")
        trace.flush()
    peak_rss = max(peak_rss, r); peak_pss = max(peak_pss, s); peak_n = max(peak_n, len(pids))
    loads.append(os.getloadavg()[0])
    time.sleep(0.1)
wall = time.monotonic() - t0
ru = resource.getrusage(resource.RUSAGE_CHILDREN)
print(f"\n[treemem] rc={p.returncode} wall={wall:.1f}s cpu={ru.ru_utime + ru.ru_stime:.1f}s "
      f"(user {ru.ru_utime:.1f} sys {ru.ru_stime:.1f}) peak_rss_sum={peak_rss/1024:.0f}MB peak_pss_sum={peak_pss/1024:.0f}MB "
      f"max_procs={peak_n} load_start={load0[0]:.2f} load_mean={sum(loads)/max(len(loads),1):.2f} load_end={os.getloadavg()}", file=sys.stderr)
print('[treemem] at peak (PSS):', *peak_comp, sep='\n  ', file=sys.stderr)
sys.exit(p.returncode)
