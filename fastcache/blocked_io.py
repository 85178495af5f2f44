"""Serving clients while the event loop is blocked (Redis's processEventsWhileBlocked).

Loading the dataset at start-up runs to completion inside one call, so the uvloop
loop cannot turn meanwhile.  Redis keeps answering during a load: the loader's
progress callback processes pending events, and every command without the
`loading` flag gets ``-LOADING Redis is loading the dataset in memory``.

`EventsWhileBlocked` does the same without the loop: the listening sockets are
already bound and listening (the server binds before it loads, as Redis's
initServer does), so `pump()` polls them and the accepted connections with
``poll(2)``, accepts, reads straight into each client's query buffer and lets the
core's normal input path run the commands (the dispatch gate answers -LOADING);
replies leave by ``send(2)`` on the client's fd.  When the load is over,
`hand_over()` gives each surviving connection to uvloop
(``loop.connect_accepted_socket`` with the same protocol object), so a client that
connected during the load simply carries on.

The pump never blocks: poll's timeout is 0, and at most a bounded number of
reads happen per call so the load itself keeps progressing.
"""

import select
import socket

import picologging as logging

logger = logging.getLogger("fastcache")

_READ_MASK = select.POLLIN | select.POLLPRI | select.POLLERR | select.POLLHUP


class EventsWhileBlocked:
    """Accept and serve connections from a code path that blocks the loop."""

    def __init__(self, server, listen_socks):
        self.server = server
        self.listen = {s.fileno(): s for s in listen_socks}
        self.conns = {}          # fd -> (socket, client)
        self.poller = select.poll()
        for fd in self.listen:
            self.poller.register(fd, select.POLLIN)

    def pump(self, max_rounds=4):
        """Accept pending connections and run what the clients sent; returns at
        once when nothing is ready."""
        for _ in range(max_rounds):
            events = self.poller.poll(0)
            if not events:
                return
            for fd, ev in events:
                if fd in self.listen:
                    self._accept(self.listen[fd])
                elif fd in self.conns:
                    self._read(fd, ev)

    def _accept(self, lsock):
        for _ in range(64):
            try:
                sock, addr = lsock.accept()
            except (BlockingIOError, InterruptedError):
                return
            except OSError as exc:
                logger.warning("Accepting client connection: %s" % exc)
                return
            sock.setblocking(False)
            if sock.family != socket.AF_UNIX:
                try:
                    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
                except OSError:
                    pass
                laddr = sock.getsockname()
            else:
                addr, laddr = None, sock.getsockname()
            c = self.server.make_client()
            c.adopt_socket(sock.fileno(), addr, laddr)
            # registered now (CLIENT LIST, maxclients); connection_made registers
            # it again, harmlessly, when the loop takes it over
            self.server.client_connected(c)
            if c.is_closed:
                sock.close()
                continue
            self.conns[sock.fileno()] = (sock, c)
            self.poller.register(sock.fileno(), _READ_MASK)

    def _read(self, fd, ev):
        sock, c = self.conns[fd]
        try:
            n = sock.recv_into(c.get_buffer(-1))
        except (BlockingIOError, InterruptedError):
            return
        except OSError:
            n = 0
        if n == 0:
            self._drop(fd)
            return
        c.buffer_updated(n)
        if c.is_closed:       # QUIT, a protocol error, the query buffer limit
            self._drop(fd)

    def _drop(self, fd):
        sock, c = self.conns.pop(fd)
        self.poller.unregister(fd)
        c.connection_lost(None)
        sock.close()

    async def hand_over(self, loop):
        """Give every connection accepted meanwhile to the event loop."""
        for fd in list(self.conns):
            sock, c = self.conns.pop(fd)
            self.poller.unregister(fd)
            try:
                await loop.connect_accepted_socket(lambda c=c: c, sock=sock)
            except OSError:
                c.connection_lost(None)
                sock.close()
        self.listen.clear()
