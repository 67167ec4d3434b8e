"""tests/_moto_server.py on a busy machine: what moto does with a client
token, how many times a timed-out call is sent, and the readiness wait."""

from __future__ import annotations

import http.server
import json
import socket
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from botocore.exceptions import ClientError, ReadTimeoutError

HERE = Path(__file__).resolve().parent
if str(HERE) not in sys.path:  # tests/ is not on sys.path under importlib import mode
    sys.path.insert(0, str(HERE))

from _moto_server import (  # noqa: E402
    HOST,
    MAX_ATTEMPTS,
    MotoServer,
    free_port,
    moto_server,
    wait_until_ready,
)

TOPIC_TEMPLATE = json.dumps({"Resources": {"Topic": {"Type": "AWS::SNS::Topic"}}})


def test_moto_ignores_create_stacks_client_token() -> None:
    """On AWS a CreateStack repeated with the same ClientRequestToken is the
    same request: it answers with the first call's StackId and creates
    nothing. moto 5.2.5 does not read the token (cloudformation/responses.py
    ``create_stack``) and refuses the repeat as a second stack of that name,
    so a retried CreateStack cannot be made safe with a token against moto:
    the emulator test sends CreateStack once (``client(..., retry=False)``).
    Should this test fail, moto honours the token and retries could stay on."""
    with moto_server() as moto:
        cf = moto.client("cloudformation", retry=False)
        token = "create-token-test-1"
        first = cf.create_stack(StackName="token", TemplateBody=TOPIC_TEMPLATE,
                                ClientRequestToken=token)["StackId"]
        with pytest.raises(ClientError) as repeat:
            cf.create_stack(StackName="token", TemplateBody=TOPIC_TEMPLATE,
                            ClientRequestToken=token)
        assert repeat.value.response["Error"]["Code"] == "AlreadyExistsException"
        # One stack, the first, and it is complete.
        stacks = cf.describe_stacks()["Stacks"]
        assert [(s["StackId"], s["StackStatus"]) for s in stacks] == [(first, "CREATE_COMPLETE")]


@pytest.fixture()
def silent_server() -> Iterator[tuple[str, list[int]]]:
    """A loopback TCP server that accepts connections and never answers; the
    list counts the connections (botocore opens a new one per attempt after
    a read timeout)."""
    accepted: list[int] = []
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind((HOST, 0))
    sock.listen(16)
    sock.settimeout(0.2)
    stop = threading.Event()
    held: list[socket.socket] = []

    def serve() -> None:
        while not stop.is_set():
            try:
                conn, _ = sock.accept()
            except TimeoutError:
                continue
            accepted.append(1)
            held.append(conn)

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    try:
        yield f"http://{HOST}:{sock.getsockname()[1]}", accepted
    finally:
        stop.set()
        thread.join()
        for conn in held:
            conn.close()
        sock.close()


@pytest.mark.parametrize("retry, attempts", [(False, 1), (True, MAX_ATTEMPTS)])
def test_a_timed_out_call_is_sent_once_without_retries(
    silent_server: tuple[str, list[int]], retry: bool, attempts: int
) -> None:
    url, accepted = silent_server
    cf = MotoServer(endpoint_url=url, read_timeout=0.5).client("cloudformation", retry=retry)
    with pytest.raises(ReadTimeoutError):
        cf.create_stack(StackName="s", TemplateBody=TOPIC_TEMPLATE, ClientRequestToken="t")
    assert len(accepted) == attempts


class _ResetOk(http.server.BaseHTTPRequestHandler):
    def do_POST(self) -> None:
        self.send_response(200)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args: object) -> None:
        pass


def test_readiness_wait_outlasts_a_late_server() -> None:
    port = free_port()
    url = f"http://{HOST}:{port}"
    servers: list[http.server.HTTPServer] = []

    def start_late() -> None:
        time.sleep(1.0)  # connections are refused until then
        server = http.server.HTTPServer((HOST, port), _ResetOk)
        servers.append(server)
        server.serve_forever()

    thread = threading.Thread(target=start_late, daemon=True)
    thread.start()
    try:
        started = time.monotonic()
        wait_until_ready(url, within=30)
        assert time.monotonic() - started >= 0.9
    finally:
        while not servers:
            time.sleep(0.05)
        servers[0].shutdown()
        thread.join()


def test_readiness_wait_gives_up_naming_the_server() -> None:
    url = f"http://{HOST}:{free_port()}"  # nothing listens there
    with pytest.raises(TimeoutError, match=rf"moto at {url} did not answer within 1 s"):
        wait_until_ready(url, within=1)
