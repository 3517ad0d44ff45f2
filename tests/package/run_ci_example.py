#!/usr/bin/env python3
"""run_ci_example github|gitlab FILE WORKDIR DEB: run the commands of the
CI example FILE (docs/examples/) as its runner would, in WORKDIR (the
repository under test), with the nslab package DEB as the package it
downloads (NSLAB_DEB_URL=file://DEB).

GitHub: every step's `run:` in order (`uses:` steps are the runner's own
and are listed, not run). GitLab: before_script, script, after_script.
Each runs with `bash -e`, as both runners do. Two shims stand in for what
this machine cannot be: `sudo` (we are root already) runs its command,
and `apt-get update` (the sandbox has no network) is skipped with a note;
every other apt-get call is the real one. Exits 1 at the first failing
command, printing it."""
import os
import subprocess
import sys
import tempfile

import yaml

SUDO = '#!/bin/sh\nexec "$@"\n'
APT = ('#!/bin/sh\nif [ "$1" = update ]; then echo "(apt-get update skipped: no network here)"; exit 0; fi\n'
       'exec /usr/bin/apt-get "$@"\n')


def commands(kind, doc):
    if kind == "github":
        env, cmds = {}, []
        for job in doc["jobs"].values():
            env.update({k: str(v) for k, v in (job.get("env") or {}).items()})
            for step in job["steps"]:
                if "run" in step:
                    cmds.append((step.get("name", "run"), step["run"]))
                else:
                    print("(runner's own step: %s)" % step.get("uses"))
        return env, cmds
    env, cmds = {}, []
    for name, job in doc.items():
        if not isinstance(job, dict) or "script" not in job:
            continue
        env.update({k: str(v) for k, v in (job.get("variables") or {}).items()})
        for part in ("before_script", "script", "after_script"):
            for line in job.get(part) or []:
                cmds.append((part, line))
    return env, cmds


def main():
    if len(sys.argv) != 5 or sys.argv[1] not in ("github", "gitlab"):
        print(__doc__, file=sys.stderr)
        return 2
    kind, path, work, deb = sys.argv[1:]
    with open(path) as f:
        doc = yaml.safe_load(f)
    env, cmds = commands(kind, doc)
    if not cmds:
        print("run_ci_example: no commands in " + path, file=sys.stderr)
        return 1
    shims = tempfile.mkdtemp(prefix="nslab-ci-shims.")
    for name, text in (("sudo", SUDO), ("apt-get", APT)):
        p = os.path.join(shims, name)
        with open(p, "w") as f:
            f.write(text)
        os.chmod(p, 0o755)
    run_env = {"PATH": shims + ":/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
               "HOME": os.environ.get("HOME", "/root"), "LANG": "C.UTF-8",
               "DEBIAN_FRONTEND": "noninteractive"}
    run_env.update(env)
    run_env["NSLAB_DEB_URL"] = "file://" + os.path.abspath(deb)
    try:
        for name, cmd in cmds:
            print("== %s: %s" % (name, cmd.strip().replace("\n", "\n   ")), flush=True)
            r = subprocess.run(["bash", "-e", "-c", cmd], cwd=work, env=run_env)
            if r.returncode != 0:
                print("run_ci_example: `%s` failed with status %d" % (cmd.strip(), r.returncode), file=sys.stderr)
                return 1
    finally:
        for name in ("sudo", "apt-get"):
            os.unlink(os.path.join(shims, name))
        os.rmdir(shims)
    return 0


if __name__ == "__main__":
    sys.exit(main())
