"""A TCP proxy on a free loopback port that can black-hole its connections: keep them open and silent, as a
firewall or NAT that forgot an idle connection does (no FIN, no RST: only a round trip finds it dead)."""

import socket
import threading


class TcpProxy:
    def __init__(self, host: str, port: int):
        self._target = (host, port)
        self._server = socket.create_server(("127.0.0.1", 0))
        self.port = self._server.getsockname()[1]
        self._holing = False  # new connections, and those open, are black-holed
        self._holed: set[socket.socket] = set()
        self._sockets: list[socket.socket] = []
        self._lock = threading.Lock()
        threading.Thread(target=self._accept, daemon=True).start()

    def black_hole(self) -> None:
        """From now on nothing passes either way, on the connections open or made later, and none is closed."""
        with self._lock:
            self._holing = True
            self._holed.update(self._sockets)

    def restore(self) -> None:
        """Connections made from now on pass again; the black-holed ones stay silent."""
        with self._lock:
            self._holing = False

    def close(self) -> None:
        self._server.close()
        with self._lock:
            for sock in self._sockets:
                sock.close()

    def _accept(self) -> None:
        while True:
            try:
                client, _ = self._server.accept()
            except OSError:
                return
            upstream = socket.create_connection(self._target)
            with self._lock:
                self._sockets += [client, upstream]
                if self._holing:
                    self._holed.update((client, upstream))
            for source, target in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pump, args=(source, target), daemon=True).start()

    def _pump(self, source: socket.socket, target: socket.socket) -> None:
        try:
            while data := source.recv(65536):
                with self._lock:
                    silent = source in self._holed
                if not silent:
                    target.sendall(data)
        except OSError:
            pass
        with self._lock:
            silent = source in self._holed
        if not silent:  # a connection the proxy forwards ends as its peer's did
            for sock in (source, target):
                try:
                    sock.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass
