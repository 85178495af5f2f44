"""CLIENT *, RESET, MONITOR: differential where the reply is deterministic,
structural where it carries ids, addresses or times."""
import re
import time


from support.resp import RawClient, parse

CLIENT_LIST_FIELDS = ("id addr laddr fd name age idle flags db sub psub ssub multi qbuf qbuf-free argv-mem "
                      "multi-mem rbs rbp obl oll omem tot-mem events cmd user redir resp").split()


def _fields(line):
    return [kv.split("=", 1)[0] for kv in line.split(" ")]


def _kv(line):
    return dict(kv.split("=", 1) for kv in line.split(" "))


def test_client_errors_and_simple_replies_match_reference(diff):
    diff.check_many([
        ("CLIENT", "SETNAME", "a b"), ("CLIENT", "SETNAME", "a\x01"), ("CLIENT", "SETNAME", "ok-name"),
        ("CLIENT", "GETNAME"), ("CLIENT", "SETNAME", ""), ("CLIENT", "GETNAME"),
        ("CLIENT", "NO-EVICT", "maybe"), ("CLIENT", "NO-EVICT", "on"), ("CLIENT", "NO-EVICT", "OFF"),
        ("CLIENT", "REPLY", "foo"), ("CLIENT", "PAUSE", "abc"), ("CLIENT", "PAUSE", "-1"),
        ("CLIENT", "PAUSE", "10", "foo"), ("CLIENT", "PAUSE", "01"), ("CLIENT", "LIST", "TYPE", "foo"),
        ("CLIENT", "LIST", "ID", "a"), ("CLIENT", "LIST", "ID", "0"), ("CLIENT", "LIST", "ID", "999999"),
        ("CLIENT", "LIST", "foo"), ("CLIENT", "KILL", "1.2.3.4:5"), ("CLIENT", "KILL", "ID", "abc"),
        ("CLIENT", "KILL", "ID", "0"), ("CLIENT", "KILL", "ID", "999999"), ("CLIENT", "KILL", "TYPE", "foo"),
        ("CLIENT", "KILL", "foo", "bar", "baz"), ("CLIENT", "KILL", "SKIPME", "maybe"),
        ("CLIENT", "KILL", "USER", "nouser"), ("CLIENT", "KILL", "LADDR", "x"), ("CLIENT", "KILL", "bogus", "x"),
        ("CLIENT",), ("CLIENT", "NOSUCH"), ("CLIENT", "SETNAME"), ("CLIENT", "HELP"),
    ])


def test_client_id_is_positive_and_matches_hello(fc):
    cid = parse(fc.call("CLIENT", "ID"))
    assert cid > 0
    info = parse(fc.call("CLIENT", "INFO")).decode()
    assert _kv(info.strip())["id"] == str(cid)


def test_client_info_has_redis_fields_in_order(fc, ref):
    for c in (fc, ref):
        c.call("CLIENT", "SETNAME", "me")
        c.call("SELECT", "3")
        line = parse(c.call("CLIENT", "INFO")).decode()
        assert line.endswith("\n")
        kv = _kv(line.strip())
        assert _fields(line.strip()) == CLIENT_LIST_FIELDS
        assert kv["name"] == "me" and kv["db"] == "3" and kv["cmd"] == "client|info"
        assert kv["flags"] == "N" and kv["user"] == "default" and kv["resp"] == "2"
        assert kv["argv-mem"] == "10"
        c.call("SELECT", "0")


def test_client_list_shows_every_connection_and_filters(fc):
    other = RawClient(fc.host, fc.port)
    try:
        other.call("CLIENT", "SETNAME", "other")
        other.call("GET", "x")
        oid = parse(other.call("CLIENT", "ID"))
        lines = parse(fc.call("CLIENT", "LIST")).decode().splitlines()
        names = {_kv(x)["name"]: _kv(x) for x in lines}
        assert "other" in names and names["other"]["cmd"] == "client|id"
        for x in lines:
            assert _fields(x) == CLIENT_LIST_FIELDS
        only = parse(fc.call("CLIENT", "LIST", "ID", str(oid))).decode().splitlines()
        assert len(only) == 1 and _kv(only[0])["id"] == str(oid)
        normal = parse(fc.call("CLIENT", "LIST", "TYPE", "normal")).decode().splitlines()
        assert len(normal) >= 2
        assert parse(fc.call("CLIENT", "LIST", "TYPE", "pubsub")) == b""
    finally:
        other.close()


def test_client_list_resp3_is_verbatim(diff):
    diff.hello3()
    r = diff.fc.call("CLIENT", "INFO")
    assert r.startswith(b"=") and b"txt:id=" in r
    r = diff.ref.call("CLIENT", "INFO")
    assert r.startswith(b"=")


def test_client_no_evict_shows_flag_e(fc):
    fc.call("CLIENT", "NO-EVICT", "on")
    assert _kv(parse(fc.call("CLIENT", "INFO")).decode().strip())["flags"] == "e"
    fc.call("CLIENT", "NO-EVICT", "off")
    assert _kv(parse(fc.call("CLIENT", "INFO")).decode().strip())["flags"] == "N"


def test_client_reply_off_skip_on(diff):
    diff.check_raw(b"CLIENT REPLY OFF\r\nSET a 1\r\nGET a\r\nCLIENT REPLY ON\r\n", replies=1)
    diff.check_raw(b"CLIENT REPLY SKIP\r\nSET b 1\r\nGET b\r\n", replies=1)
    diff.check_raw(b"CLIENT REPLY OFF\r\nCLIENT REPLY SKIP\r\nGET b\r\nCLIENT REPLY ON\r\nPING\r\n", replies=2)


def test_client_kill_by_id_and_addr_and_skipme(fc):
    a = RawClient(fc.host, fc.port)
    b = RawClient(fc.host, fc.port)
    try:
        aid = parse(a.call("CLIENT", "ID"))
        assert parse(fc.call("CLIENT", "KILL", "ID", str(aid))) == 1
        assert a.is_closed_by_peer()
        baddr = _kv(parse(b.call("CLIENT", "INFO")).decode().strip())["addr"]
        assert fc.call("CLIENT", "KILL", baddr) == b"+OK\r\n"
        assert b.is_closed_by_peer()
        assert fc.call("CLIENT", "KILL", baddr) == b"-ERR No such client\r\n"
        me = parse(fc.call("CLIENT", "ID"))
        assert parse(fc.call("CLIENT", "KILL", "ID", str(me))) == 0      # SKIPME yes by default
    finally:
        a.close()
        b.close()


def test_client_kill_self_with_skipme_no_replies_then_closes(fc_server):
    c = RawClient(fc_server.host, fc_server.port)
    me = parse(c.call("CLIENT", "ID"))
    assert c.call("CLIENT", "KILL", "ID", str(me), "SKIPME", "no") == b":1\r\n"
    assert c.is_closed_by_peer()
    c.close()


def test_client_kill_type_and_user_filters(fc):
    a = RawClient(fc.host, fc.port)
    try:
        a.call("PING")
        n = parse(fc.call("CLIENT", "KILL", "TYPE", "normal", "USER", "default"))
        assert n >= 1
        assert a.is_closed_by_peer()
    finally:
        a.close()


def test_client_pause_write_delays_writes_not_reads(fc):
    w = RawClient(fc.host, fc.port)
    try:
        fc.call("SET", "k", "1")
        assert fc.call("CLIENT", "PAUSE", "300", "WRITE") == b"+OK\r\n"
        t0 = time.monotonic()
        w.send_command("SET", "k", "2")
        w.send_command("GET", "k")
        assert fc.call("GET", "k") == b"$1\r\n1\r\n"            # reads still run
        assert w.read_reply(timeout=3) == b"+OK\r\n"
        assert w.read_reply(timeout=3) == b"$1\r\n2\r\n"         # then in order
        assert time.monotonic() - t0 >= 0.25
    finally:
        w.close()


def test_client_pause_all_postpones_everything_even_unpause(fc):
    """Under ALL every command waits, CLIENT UNPAUSE included (as in Redis 7.0)."""
    r = RawClient(fc.host, fc.port)
    try:
        assert fc.call("CLIENT", "PAUSE", "400", "ALL") == b"+OK\r\n"
        t0 = time.monotonic()
        r.send_command("PING")
        assert fc.call("CLIENT", "UNPAUSE", timeout=3) == b"+OK\r\n"
        assert r.read_reply(timeout=3) == b"+PONG\r\n"
        assert time.monotonic() - t0 >= 0.3
    finally:
        r.close()


def test_client_unpause_releases_write_pause(fc):
    w = RawClient(fc.host, fc.port)
    try:
        assert fc.call("CLIENT", "PAUSE", "100000", "WRITE") == b"+OK\r\n"
        w.send_command("SET", "x", "1")
        time.sleep(0.2)
        assert w.read_available(0.1) == b""
        listing = parse(fc.call("CLIENT", "LIST")).decode().splitlines()
        assert any("b" in _kv(x)["flags"] and _kv(x)["cmd"] == "set" for x in listing)
        assert fc.call("CLIENT", "UNPAUSE") == b"+OK\r\n"
        assert w.read_reply(timeout=3) == b"+OK\r\n"
        assert fc.call("GET", "x") == b"$1\r\n1\r\n"
    finally:
        w.close()


def test_reset_restores_connection_state(diff):
    diff.check_many([
        ("CLIENT", "SETNAME", "n"), ("SELECT", "2"), ("SET", "k", "v"), ("RESET",), ("CLIENT", "GETNAME"),
        ("GET", "k"), ("SELECT", "2"), ("GET", "k"), ("RESET",),
    ])
    diff.hello3()
    diff.check("RESET")
    for c in (diff.fc, diff.ref):      # proto back to 2 after RESET
        h = parse(c.call("HELLO"))
        assert h[h.index(b"proto") + 1] == 2


def test_reset_stops_monitor(fc_server):
    m = RawClient(fc_server.host, fc_server.port)
    c = RawClient(fc_server.host, fc_server.port)
    try:
        assert m.call("MONITOR") == b"+OK\r\n"
        assert m.call("RESET") == b"+RESET\r\n"
        c.call("SET", "after", "1")
        assert m.read_available(0.3) == b""
    finally:
        m.close()
        c.close()


def _monitor_lines(m, n):
    out = []
    for _ in range(n):
        out.append(m.read_reply(timeout=3).decode("latin-1"))
    return out


LINE = re.compile(r'^\+\d+\.\d{6} \[(\d+) ([^\]]+)\]((?: "[^"\\]*(?:\\.[^"\\]*)*")+)\r\n$')


def test_monitor_feed_format_matches_reference(fc_server, ref_server):
    seen = {}
    for name, srv in (("fc", fc_server), ("ref", ref_server)):
        m = RawClient(srv.host, srv.port)
        c = RawClient(srv.host, srv.port)
        try:
            assert m.call("MONITOR") == b"+OK\r\n"
            caddr = _kv(parse(c.call("CLIENT", "INFO")).decode().strip())["addr"]
            c.call("SELECT", "1")
            c.call("SET", "k", b'a\\b\x00\n"\xff')
            c.call("AUTH", "foo")
            c.call("AUTH", "a", "b")
            c.call("HELLO", "2", "AUTH", "default", "x")
            c.call("NOSUCH")                     # unknown: not fed
            c.call("CONFIG", "GET", "x")         # admin: not fed
            c.call("ping")
            c.call("SELECT", "0")
            lines = _monitor_lines(m, 8)[1:]     # [0] is c's CLIENT INFO
            assert lines[0].startswith("+") and "[1 %s]" % caddr in lines[0]
            for ln in lines:
                assert LINE.match(ln), ln
            seen[name] = [ln.split("] ", 1)[1] for ln in lines]
            # first line: the +CLIENT INFO from c
        finally:
            m.close()
            c.close()
    assert seen["fc"] == seen["ref"]


def test_second_monitor_is_silent(diff):
    diff.check("MONITOR")
    diff.fc.send_command("MONITOR")
    diff.ref.send_command("MONITOR")
    assert diff.fc.read_available(0.3) == diff.ref.read_available(0.3) == b""
