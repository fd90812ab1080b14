"""A real SMTP server on loopback for the tests that send mail (aiosmtpd)."""

from __future__ import annotations

import asyncio
import email
import threading
from collections import Counter
from email import policy

from aiosmtpd.controller import Controller

from servers import free_port

DEADLINE = 10  # seconds any wait for the mail server or the sender may take at most


class MailServer:
    """aiosmtpd on a loopback port of its own, which keeps what it accepts.

    It can be stopped and started again on the same port, refuse recipients, answer
    slowly, or drop the connection in the middle of a mail.
    """

    def __init__(self) -> None:
        self.port = free_port()
        self.controller: Controller | None = None
        self.lock = threading.Lock()
        self.accepted: list[tuple[list[str], bytes]] = []
        self.refuse: dict[str, str] = {}  # recipient -> the server's reply
        self.delay = 0.0  # seconds before each mail is accepted
        self.drop_at: int | None = None  # drop the connection at this mail (1, 2 …)
        self.seen = 0  # mails whose data arrived, accepted or not
        self.receiving = threading.Event()  # set as the first mail's data arrives

    def start(self) -> None:
        self.controller = Controller(self, hostname="127.0.0.1", port=self.port)
        self.controller.start()

    def stop(self) -> None:
        if self.controller is not None:
            self.controller.stop()
            self.controller = None

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options) -> str:
        if address in self.refuse:
            return self.refuse[address]
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope) -> str:
        self.receiving.set()
        if self.delay:
            await asyncio.sleep(self.delay)
        with self.lock:
            self.seen += 1
            if self.seen == self.drop_at:
                # As a server that dies: no answer to this mail, the connection gone.
                server.transport.close()
                return "421 closing"
            self.accepted.append((list(envelope.rcpt_tos), envelope.content))
        return "250 OK"

    def messages(self) -> list[email.message.EmailMessage]:
        with self.lock:
            return [
                email.message_from_bytes(content, policy=policy.default)
                for _rcpt, content in self.accepted
            ]

    def message_ids(self) -> Counter:
        return Counter(message["Message-ID"] for message in self.messages())
