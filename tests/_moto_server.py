"""A moto server for end-to-end tests, bound to 127.0.0.1 only.

``moto_server()`` starts moto's threaded server on a free loopback port inside
this process, with fake credentials in the environment, and stops it (and
restores the environment) on exit. Nothing here knows any other address: every
boto3 client made with :meth:`MotoServer.client` is pinned to the loopback
endpoint, so a test cannot reach AWS even by mistake.

Sized for a busy machine (CI shares its cores; a CreateStack of the prod
template has been seen to outlast a 30 s read timeout under load): clients
wait up to :data:`READ_TIMEOUT_SECONDS` for an answer, the server is only
handed out once it answers (:func:`wait_until_ready`), and calls that are not
idempotent in moto are made with ``client(..., retry=False)``. botocore
retries a read timeout, and moto 5.2.5 ignores CreateStack's
``ClientRequestToken`` (tests/test_moto_server.py shows it), so a retried
CreateStack is a second create of a stack that the first one is still
building (it failed with "Export names must be unique").
"""

from __future__ import annotations

import contextlib
import os
import socket
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import _moto_patches  # tests/ is on sys.path where this module is imported

HOST = "127.0.0.1"
REGION = "us-east-1"
#: How long a client waits for moto's answer. moto answers CreateStack only
#: once every resource exists (it is synchronous), a few seconds on an idle
#: machine; at load 13-17 it took longer than 30 s.
READ_TIMEOUT_SECONDS = 300
CONNECT_TIMEOUT_SECONDS = 20
#: Attempts per call (the first included) for the calls that may be retried.
MAX_ATTEMPTS = 3
#: How long the server may take to answer its first request.
READY_SECONDS = 120

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
    read_timeout: float = READ_TIMEOUT_SECONDS

    def client(self, service: str, *, retry: bool = True) -> Any:
        """A boto3 client for ``service`` that talks to this server only.

        ``retry=False``: every call is sent once, for calls moto does not make
        idempotent (CreateStack, UpdateStack, DeleteStack: moto ignores their
        ClientRequestToken), where a retry after a read timeout would act a
        second time."""
        import boto3
        from botocore.config import Config

        retries: dict[str, Any] = (
            {"total_max_attempts": MAX_ATTEMPTS, "mode": "standard"} if retry
            else {"total_max_attempts": 1})
        return boto3.session.Session().client(
            service,
            region_name=self.region,
            endpoint_url=self.endpoint_url,
            aws_access_key_id=FAKE_ENV["AWS_ACCESS_KEY_ID"],
            aws_secret_access_key=FAKE_ENV["AWS_SECRET_ACCESS_KEY"],
            aws_session_token=FAKE_ENV["AWS_SESSION_TOKEN"],
            config=Config(retries=retries,  # type: ignore[arg-type]
                          connect_timeout=CONNECT_TIMEOUT_SECONDS,
                          read_timeout=self.read_timeout),
        )


def reset(endpoint_url: str, *, timeout: float = READ_TIMEOUT_SECONDS) -> None:
    """Empty every moto backend. moto keeps its state in module globals, so a
    server started in a process where moto already ran (another test, an
    earlier server) would otherwise see that state."""
    assert endpoint_url.startswith(f"http://{HOST}:"), endpoint_url
    request = urllib.request.Request(f"{endpoint_url}/moto-api/reset", method="POST", data=b"")
    # An explicit empty proxy map: the request goes to the loopback address only.
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    with opener.open(request, timeout=timeout) as response:
        assert response.status == 200, response.status


def wait_until_ready(endpoint_url: str, *, within: float = READY_SECONDS) -> None:
    """Block until the server answers (a reset, which is idempotent and also
    loads moto's backends), retrying refused or timed-out attempts for up to
    ``within`` seconds; raise TimeoutError naming the last failure."""
    deadline = time.monotonic() + within
    while True:
        left = deadline - time.monotonic()
        try:
            reset(endpoint_url, timeout=max(min(left, 30.0), 1.0))
            return
        except (urllib.error.URLError, OSError) as err:  # refused, reset, timed out
            if time.monotonic() >= deadline:
                raise TimeoutError(f"moto at {endpoint_url} did not answer within "
                                   f"{within:.0f} s: {err}") from err
            time.sleep(0.2)


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
        wait_until_ready(endpoint_url)  # and empty: it resets
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
