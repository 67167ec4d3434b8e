"""A moto server for end-to-end tests, bound to 127.0.0.1 only.

``moto_server()`` starts moto's threaded server on a free loopback port inside
this process, with fake credentials in the environment, and stops it (and
restores the environment) on exit. Nothing here knows any other address: every
boto3 client made with :meth:`MotoServer.client` is pinned to the loopback
endpoint, so a test cannot reach AWS even by mistake.
"""

from __future__ import annotations

import contextlib
import os
import socket
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import _moto_patches  # tests/ is on sys.path where this module is imported

HOST = "127.0.0.1"
REGION = "us-east-1"

#: The environment while the server runs: fake credentials (moto accepts any;
#: these are the values its docs use) and the test region.
FAKE_ENV = {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_SESSION_TOKEN": "testing",
    "AWS_SECURITY_TOKEN": "testing",
    "AWS_DEFAULT_REGION": REGION,
    "AWS_REGION": REGION,
    "AWS_EC2_METADATA_DISABLED": "true",
    # No shared config or credentials file may add a profile, a role to
    # assume or an endpoint of its own.
    "AWS_CONFIG_FILE": os.devnull,
    "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
    # Loopback never goes through a proxy.
    "NO_PROXY": HOST,
    "no_proxy": HOST,
}
#: Removed while the server runs: each could redirect a client elsewhere.
CLEARED_ENV = ("AWS_PROFILE", "AWS_ENDPOINT_URL", "AWS_CA_BUNDLE", "HTTPS_PROXY", "HTTP_PROXY",
               "ALL_PROXY", "https_proxy", "http_proxy", "all_proxy")


def free_port(host: str = HOST) -> int:
    """A TCP port nothing listens on now (the OS picks it)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((host, 0))
        return int(s.getsockname()[1])


@dataclass(frozen=True)
class MotoServer:
    endpoint_url: str
    region: str = REGION

    def client(self, service: str) -> Any:
        """A boto3 client for ``service`` that talks to this server only."""
        import boto3
        from botocore.config import Config

        return boto3.session.Session().client(
            service,
            region_name=self.region,
            endpoint_url=self.endpoint_url,
            aws_access_key_id=FAKE_ENV["AWS_ACCESS_KEY_ID"],
            aws_secret_access_key=FAKE_ENV["AWS_SECRET_ACCESS_KEY"],
            aws_session_token=FAKE_ENV["AWS_SESSION_TOKEN"],
            config=Config(retries={"max_attempts": 2, "mode": "standard"},
                          connect_timeout=5, read_timeout=30),
        )


def reset(endpoint_url: str) -> None:
    """Empty every moto backend. moto keeps its state in module globals, so a
    server started in a process where moto already ran (another test, an
    earlier server) would otherwise see that state."""
    assert endpoint_url.startswith(f"http://{HOST}:"), endpoint_url
    request = urllib.request.Request(f"{endpoint_url}/moto-api/reset", method="POST", data=b"")
    # An explicit empty proxy map: the request goes to the loopback address only.
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    with opener.open(request, timeout=10) as response:
        assert response.status == 200, response.status


@contextlib.contextmanager
def moto_server(
    patches: Callable[[str], contextlib.AbstractContextManager[None]] | None = None,
) -> Iterator[MotoServer]:
    """Run moto's server on 127.0.0.1:<free port> for the duration of the
    block, starting from (and leaving behind) empty backends. ``patches``
    (given the server's URL) replaces the default :func:`_moto_patches.applied`."""
    from moto.server import ThreadedMotoServer

    saved = {k: os.environ.get(k) for k in (*FAKE_ENV, *CLEARED_ENV)}
    for k in CLEARED_ENV:
        os.environ.pop(k, None)
    os.environ.update(FAKE_ENV)
    port = free_port()
    server = ThreadedMotoServer(ip_address=HOST, port=port, verbose=False)
    active = (patches or (lambda _url: _moto_patches.applied()))(f"http://{HOST}:{port}")
    active.__enter__()
    server.start()
    try:
        host, bound = server.get_host_and_port()
        assert host == HOST, f"moto server bound to {host}, expected {HOST}"
        endpoint_url = f"http://{HOST}:{bound}"
        reset(endpoint_url)
        yield MotoServer(endpoint_url=endpoint_url)
        reset(endpoint_url)
    finally:
        server.stop()
        active.__exit__(None, None, None)
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v
