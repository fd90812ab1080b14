"""The shipped gunicorn and nginx configs log a line per request, never a full IP address.

The client appears as its network (IPv4 /24, IPv6 /48), as Zirkel stores it
(webapp/clients.py): gunicorn.conf.py's NetworkLogger and nginx-zirkel.conf's
`$zirkel_client_network` write what client_network() computes.
"""

from __future__ import annotations

import ipaddress
import re
import secrets
import socket
import subprocess
import time
import urllib.request
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from servers import NGINX, NGINX_SITE, _stop, _wait_until_up, free_port, run_nginx
from webapp.clients import client_network

pytestmark = pytest.mark.live

FULL_ADDRESS = "127.0.0.1"
NETWORK = "127.0.0.0/24"


def lines_with(log: Path, needle: str) -> list[str]:
    """The log's lines that hold needle, once the server wrote them (it logs after answering)."""
    deadline = time.monotonic() + 5
    while True:
        found = [line for line in log.read_text().splitlines() if needle in line]
        if found or time.monotonic() > deadline:
            return found
        time.sleep(0.05)


def test_gunicorn_logs_each_request_with_the_network_not_the_address(run_gunicorn, tmp_path):
    probe = secrets.token_hex(8)
    with run_gunicorn(tmp_path, workers=1) as server:
        urllib.request.urlopen(f"{server.url}/impressum?probe={probe}", timeout=10).close()
        # A request gunicorn itself refuses is logged with the address too, as a warning.
        port = urlsplit(server.url).port
        with socket.create_connection(("127.0.0.1", port), timeout=10) as connection:
            connection.sendall(b"NOT HTTP\r\n\r\n")
            connection.recv(1024)
        log = tmp_path / "gunicorn.log"
        [access] = lines_with(log, probe)
        refused = lines_with(log, "Invalid request from")

    assert access.startswith(f"{NETWORK} - - [")
    assert f'"GET /impressum?probe={probe} HTTP/1.1" 200' in access
    assert FULL_ADDRESS not in access
    assert refused and all(f"ip={NETWORK}:" in line for line in refused), refused
    assert not any(FULL_ADDRESS in line for line in refused)


def test_nginx_and_gunicorn_behind_it_log_the_network_only(run_gunicorn, tmp_path):
    probe = secrets.token_hex(8)
    (tmp_path / "nginx").mkdir()
    with run_gunicorn(tmp_path / "app", workers=1, ZIRKEL_TRUSTED_PROXIES="1") as app:
        upstream = urlsplit(app.url).port
        with run_nginx(tmp_path / "nginx", upstream, app.instance) as url:
            urllib.request.urlopen(f"{url}/datenschutz?probe={probe}", timeout=10).close()
            [proxy] = lines_with(tmp_path / "nginx" / "access.log", probe)
        [origin] = lines_with(app.instance / "gunicorn.log", probe)

    assert proxy.startswith(f"{NETWORK} - - [")
    assert f'"GET /datenschutz?probe={probe} HTTP/1.1" 200' in proxy
    # gunicorn logs the client ProxyFix found in X-Forwarded-For, as its network too.
    assert origin.startswith(f"{NETWORK} - - [")
    assert FULL_ADDRESS not in proxy and FULL_ADDRESS not in origin


def test_the_nginx_log_format_has_no_full_address():
    site = NGINX_SITE.read_text()
    formats = re.findall(r"^\s*log_format\s+(\S+)\s+(.*?);", site, re.M | re.S)
    assert [name for name, _ in formats] == ["zirkel"]
    assert "$remote_addr" not in formats[0][1] and "$zirkel_client_network" in formats[0][1]
    logs = re.findall(r"^\s*access_log\s+([^;]*);", site, re.M)
    assert logs and all(log == "off" or log.split()[-1] == "zirkel" for log in logs), logs


@pytest.mark.parametrize(
    "address",
    [
        "203.0.113.7",
        "10.1.2.254",
        "::ffff:198.51.100.23",
        "2001:db8:abcd:12::1",
        "2001:db8:abcd:12:3:4:5:6",
        "2001:db8:0:1::1",
        "2001:db8::1",
        "2001::7",
        "::1",
    ],
)
def test_nginx_masks_every_kind_of_address_as_the_app_does(nginx_echo, address):
    """The map of the shipped config, run by nginx for an address set by realip."""
    request = urllib.request.Request(nginx_echo, headers={"X-Test-Address": address})
    with urllib.request.urlopen(request, timeout=10) as response:
        logged = response.read().decode()

    assert ipaddress.ip_network(logged) == ipaddress.ip_network(client_network(address))
    assert address not in logged


@pytest.fixture(scope="module")
def nginx_echo(tmp_path_factory):
    """nginx answering with $zirkel_client_network, the map copied from the shipped config;
    the client's address comes from a header (realip), so the test can be anyone."""
    if not NGINX.exists():
        raise RuntimeError("These tests need nginx: apt-get install nginx")
    workdir = tmp_path_factory.mktemp("nginx-map")
    found = re.search(
        r"^map \$remote_addr \$zirkel_client_network \{.*?^\}", NGINX_SITE.read_text(), re.M | re.S
    )
    assert found, f"{NGINX_SITE} has no map for $zirkel_client_network"
    port = free_port()
    (workdir / "nginx.conf").write_text(
        f"""pid {workdir / "nginx.pid"};
error_log {workdir / "error.log"};
events {{}}
http {{
    access_log off;
    {found.group(0)}
    server {{
        listen 127.0.0.1:{port};
        set_real_ip_from 127.0.0.1;
        real_ip_header X-Test-Address;
        location / {{ return 200 "$zirkel_client_network"; }}
    }}
}}
"""
    )
    process = subprocess.Popen(
        [str(NGINX), "-p", str(workdir), "-c", str(workdir / "nginx.conf"), "-g", "daemon off;"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}/"
    try:
        _wait_until_up(url.rstrip("/"), process, workdir / "error.log")
        yield url
    finally:
        _stop(process)
