"""The shipped systemd units (deploy/): what they promise, checked by reading them, by
`systemd-analyze verify`, and by doing what they do (a restart behind the socket, the
environment file read by the shell)."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from servers import BIN, PROJECT_ROOT, free_port

DEPLOY = PROJECT_ROOT / "deploy"
UNITS = ("zirkel.socket", "zirkel.service", "zirkel-backup.service", "zirkel-backup.timer")
CHECKOUT = "/srv/zirkel"


def read_unit(name: str) -> dict[str, dict[str, list[str]]]:
    """A unit file as systemd reads it: sections of keys, each with every value it got."""
    sections: dict[str, dict[str, list[str]]] = {}
    section = None
    for line in (DEPLOY / name).read_text().splitlines():
        line = line.strip()
        if not line or line.startswith(("#", ";")):
            continue
        if line.startswith("["):
            section = sections.setdefault(line.strip("[]"), {})
            continue
        key, value = line.split("=", 1)
        assert section is not None, f"{name}: {key} outside a section"
        section.setdefault(key, []).append(value)
    return sections


def test_the_site_runs_gunicorn_from_the_checkouts_venv_as_zirkel():
    service = read_unit("zirkel.service")["Service"]
    assert service["ExecStart"] == [f"{CHECKOUT}/.venv/bin/gunicorn -c gunicorn.conf.py wsgi:app"]
    assert service["WorkingDirectory"] == [CHECKOUT]
    assert service["User"] == service["Group"] == ["zirkel"]
    assert service["EnvironmentFile"] == ["/etc/zirkel/zirkel.env"]
    assert service["Restart"] == ["on-failure"]
    assert service["ExecReload"] == ["/bin/kill -HUP $MAINPID"]
    # gunicorn says when it has loaded the app; TERM reaches the master, which lets
    # the workers finish their requests.
    assert service["Type"] == ["notify"]
    assert service["KillMode"] == ["mixed"]


def test_the_site_can_write_only_to_its_instance_folder():
    service = read_unit("zirkel.service")["Service"]
    assert service["ProtectSystem"] == ["strict"]
    # The folder, not the database file: SQLite writes its WAL and lock files beside it.
    assert service["ReadWritePaths"] == [f"{CHECKOUT}/instance"]
    for hardening in ("NoNewPrivileges", "PrivateTmp", "ProtectHome", "PrivateDevices"):
        assert service[hardening] == ["yes"], hardening
    assert service["CapabilityBoundingSet"] == [""]


def test_the_socket_is_where_nginx_sends_requests_and_starts_the_site():
    socket = read_unit("zirkel.socket")["Socket"]
    nginx = (DEPLOY / "nginx-zirkel.conf").read_text()
    (address,) = socket["ListenStream"]
    assert f"server {address};" in nginx
    assert socket["Service"] == ["zirkel.service"]
    unit = read_unit("zirkel.service")["Unit"]
    assert unit["Requires"] == ["zirkel.socket"]


def test_the_backup_runs_nightly_and_keeps_the_newest_archives():
    timer = read_unit("zirkel-backup.timer")["Timer"]
    assert timer["OnCalendar"] == ["*-*-* 03:15:00"]
    assert timer["Persistent"] == ["true"]
    backup = read_unit("zirkel-backup.service")["Service"]
    assert backup["Type"] == ["oneshot"]
    assert backup["User"] == ["zirkel"]
    assert backup["EnvironmentFile"] == ["/etc/zirkel/zirkel.env"]
    (command,) = backup["ExecStart"]
    assert f"{CHECKOUT}/.venv/bin/flask --app wsgi backup " in command
    assert backup["ReadWritePaths"] == [f"{CHECKOUT}/instance /var/backups/zirkel"]
    assert backup["Environment"] == ["KEEP_BACKUPS=14"]


def test_every_checkout_path_is_marked_adjust():
    """Whoever installs elsewhere finds each line to change by its mark."""
    for name in UNITS:
        lines = (DEPLOY / name).read_text().splitlines()
        for number, line in enumerate(lines):
            if CHECKOUT in line and not line.startswith("#"):
                comments = [c for c in lines[max(0, number - 8) : number] if c.startswith("#")]
                assert any("ADJUST" in c for c in comments), f"{name}:{number + 1}: {line}"


def runnable_copies(folder: Path) -> list[Path]:
    """The units with the checkout rewritten to this one, so that systemd-analyze checks
    real executables and folders."""
    copies = []
    for name in UNITS:
        text = (DEPLOY / name).read_text()
        assert CHECKOUT in text or name.endswith((".timer", ".socket")), name
        text = text.replace(f"{CHECKOUT}/.venv/bin/", f"{BIN}/").replace(
            CHECKOUT, str(PROJECT_ROOT)
        )
        (folder / name).write_text(text)
        copies.append(folder / name)
    return copies


def test_systemd_analyze_verifies_the_units(tmp_path):
    """Unknown keys, values systemd cannot parse and missing programs are all reported."""
    analyze = shutil.which("systemd-analyze")
    assert analyze, "systemd-analyze is missing: apt-get install systemd (.ci/run does)"
    result = subprocess.run(
        [analyze, "verify", *map(str, runnable_copies(tmp_path))],
        capture_output=True,
        text=True,
        cwd=tmp_path,
    )
    assert (result.returncode, result.stdout + result.stderr) == (0, "")


def test_systemd_analyze_would_notice_a_mistake(tmp_path):
    """The check above can fail: a misspelt setting and a missing program are reported."""
    analyze = shutil.which("systemd-analyze")
    assert analyze, "systemd-analyze is missing: apt-get install systemd (.ci/run does)"
    service = tmp_path / "zirkel.service"
    runnable_copies(tmp_path)
    service.write_text(
        service.read_text()
        .replace("ProtectSystem=strict", "ProtectSystem=strikt")
        .replace(f"{BIN}/gunicorn", f"{BIN}/gunicorm")
    )
    result = subprocess.run([analyze, "verify", str(service)], capture_output=True, text=True)
    assert "strikt" in result.stderr
    assert "gunicorm" in result.stderr


def test_the_environment_example_reads_the_same_in_the_shell_and_in_systemd():
    """zirkel-flask reads the file with `sh` (`set -a; .`), systemd with its own parser;
    both must get the same values (a value with spaces needs its quotes)."""
    example = DEPLOY / "zirkel.env.example"
    assignments = {}
    for line in example.read_text().splitlines():
        if line and not line.startswith("#"):
            key, value = line.split("=", 1)
            assert " " not in key and value == value.strip(), line
            assignments[key] = value.removeprefix('"').removesuffix('"')
    assert assignments["ZIRKEL_TRUSTED_PROXIES"] == "1"
    assert "ZIRKEL_SITE_URL" in assignments
    shell = subprocess.run(
        ["sh", "-c", 'set -a && . "$0" && env', str(example)],
        capture_output=True,
        text=True,
        check=True,
        env={"PATH": "/usr/bin:/bin"},
    )
    read = dict(line.split("=", 1) for line in shell.stdout.splitlines() if "=" in line)
    assert {key: read.get(key) for key in assignments} == assignments


def test_zirkel_flask_runs_a_command_with_the_environment_file(tmp_path):
    """The helper the README uses for `db upgrade` and friends: the checkout, the
    environment file, the user (here the one running the tests)."""
    instance = tmp_path / "instance"
    env_file = tmp_path / "zirkel.env"
    env_file.write_text(
        (DEPLOY / "zirkel.env.example").read_text()
        + f"ZIRKEL_INSTANCE_PATH={instance}\nZIRKEL_SMTP_HOST=\n"
    )
    script = tmp_path / "zirkel-flask"
    script.write_text(
        (DEPLOY / "zirkel-flask")
        .read_text()
        .replace(f"cd {CHECKOUT} ", f"cd {PROJECT_ROOT} ")
        .replace(". /etc/zirkel/zirkel.env ", f". {env_file} ")
        .replace("runuser -u zirkel --", "runuser -u $(id -un) --")
        .replace(".venv/bin/flask", f"{BIN}/flask")
    )
    script.chmod(0o755)
    result = subprocess.run(
        [str(script), "db", "upgrade"],
        capture_output=True,
        text=True,
        env={"PATH": "/usr/bin:/bin:/usr/sbin:/sbin"},
    )
    assert result.returncode == 0, result.stderr
    assert (instance / "zirkel.sqlite3").stat().st_size > 0
    # The service's umask: nobody outside the group zirkel reads the database.
    assert (instance / "zirkel.sqlite3").stat().st_mode & 0o007 == 0


@contextmanager
def socket_like_systemd(port: int) -> Iterator[int]:
    """A listening socket held by this process, as zirkel.socket holds it."""
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", port))
        listener.listen(128)
        yield listener.fileno()


# What systemd does before it runs ExecStart: the socket becomes fd 3, and LISTEN_PID names
# the process that is to take it (gunicorn, which this process turns into).
_AS_SYSTEMD = (
    "import os, sys; os.dup2(int(sys.argv[1]), 3); "
    "os.environ.update(LISTEN_FDS='1', LISTEN_PID=str(os.getpid())); "
    "os.execv(sys.argv[2], sys.argv[2:])"
)


def start_socket_activated(fd: int, environment: dict[str, str], log) -> subprocess.Popen:
    """gunicorn as zirkel.service starts it behind zirkel.socket."""
    gunicorn = str(BIN / "gunicorn")
    return subprocess.Popen(
        [
            sys.executable,
            "-c",
            _AS_SYSTEMD,
            str(fd),
            gunicorn,
            "-c",
            "gunicorn.conf.py",
            "wsgi:app",
        ],
        pass_fds=(fd,),
        cwd=PROJECT_ROOT,
        env=environment,
        stdout=log,
        stderr=subprocess.STDOUT,
    )


def stop_gracefully(process: subprocess.Popen) -> None:
    """What `systemctl stop` does with KillMode=mixed: TERM to the master, then wait."""
    process.terminate()
    try:
        process.wait(timeout=40)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
        raise


def wait_for_answers(answers: list, count: int, log: Path) -> None:
    """Until `count` more requests were answered (by the gunicorn just started)."""
    target, deadline = len(answers) + count, time.monotonic() + 30
    while len(answers) < target:
        assert time.monotonic() < deadline, log.read_text()
        time.sleep(0.05)


@pytest.mark.live
def test_a_restart_behind_the_socket_drops_no_request(tmp_path, database_url):
    """An upgrade is `systemctl restart zirkel`: while the old gunicorn finishes and the new
    one loads the app, the socket keeps accepting, and every request gets its answer."""
    instance = tmp_path / "instance"
    port = free_port()
    environment = {
        **os.environ,
        "ZIRKEL_INSTANCE_PATH": str(instance),
        "ZIRKEL_DATABASE_URL": database_url,
        "ZIRKEL_SMTP_HOST": "",
        "WEB_CONCURRENCY": "2",
    }
    subprocess.run(
        [str(BIN / "flask"), "--app", "wsgi", "db", "upgrade"],
        cwd=PROJECT_ROOT,
        env=environment,
        check=True,
        capture_output=True,
    )
    log_path = tmp_path / "gunicorn.log"
    answers: list[int | str] = []
    done = threading.Event()

    def readers() -> None:
        while not done.is_set():
            try:
                with urllib.request.urlopen(
                    f"http://127.0.0.1:{port}/gesundheit", timeout=30
                ) as response:
                    answers.append(response.status)
            except Exception as error:
                answers.append(repr(error))

    with socket_like_systemd(port) as fd, log_path.open("ab") as log:
        process = start_socket_activated(fd, environment, log)
        try:
            load = [threading.Thread(target=readers) for _ in range(4)]
            for thread in load:
                thread.start()
            for _ in range(2):
                wait_for_answers(answers, 20, log_path)
                stop_gracefully(process)
                process = start_socket_activated(fd, environment, log)
            wait_for_answers(answers, 20, log_path)
            done.set()
            for thread in load:
                thread.join(timeout=40)
        finally:
            done.set()
            stop_gracefully(process)
    failures = [answer for answer in answers if answer != 200]
    assert failures == []
    assert len(answers) > 50
    assert log_path.read_text().count("Booting worker") >= 6  # three gunicorns really ran
