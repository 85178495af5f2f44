"""INFO, SLOWLOG, MEMORY, SWAPDB, TIME, LASTSAVE, DEBUG, CONFIG RESETSTAT."""
import time


from support.resp import RawClient, parse

# INFO fields Redis 7.0 has that fastcache does not report, by section (features we lack).
MISSING_FIELDS = {
    "latencystats": None,        # no per-command latency histograms: section is empty
}
# Fields we add.
EXTRA_FIELDS = {"server": {"fastcache_version"}}


def _info(c, *sections):
    text = parse(c.call("INFO", *sections)).decode()
    out = {}
    cur = None
    for line in text.split("\r\n"):
        if line.startswith("# "):
            cur = line[2:].lower()
            out[cur] = []
        elif line and cur is not None:
            out[cur].append(line.split(":", 1)[0])
    return text, out


def test_info_sections_and_field_names_match_reference(fc, ref):
    for arg in ((), ("all",), ("everything",), ("default",), ("server", "keyspace"), ("CPU",),
                ("commandstats",), ("bogus",), ("keyspace", "server")):
        fc.call("SET", "k", "v")
        ref.call("SET", "k", "v")
        ftext, f = _info(fc, *arg)
        rtext, r = _info(ref, *arg)
        assert list(f) == list(r), arg
        for sec in r:
            if sec in ("commandstats", "errorstats", "keyspace", "latencystats"):
                continue
            want = [x for x in r[sec]]
            got = [x for x in f[sec] if x not in EXTRA_FIELDS.get(sec, ())]
            assert got == want, (arg, sec)
        assert ftext.endswith("\r\n") == rtext.endswith("\r\n")
    assert _info(fc, "bogus")[0] == ""


def test_info_server_values(fc):
    text, _ = _info(fc, "server")
    kv = dict(line.split(":", 1) for line in text.split("\r\n")[1:] if line)
    assert kv["redis_version"] == "7.0.15"
    assert kv["fastcache_version"]
    assert int(kv["tcp_port"]) == fc.port
    assert len(kv["run_id"]) == 40


def test_info_keyspace_commandstats_errorstats_and_resetstat(fc):
    fc.call("CONFIG", "RESETSTAT")
    fc.call("SET", "a", "1")
    fc.call("SELECT", "2")
    fc.call("SET", "b", "1")
    fc.call("SELECT", "0")
    fc.call("GET")                     # rejected (arity)
    fc.call("SET", "a", "1", "XX", "NX")  # failed (syntax)
    text = parse(fc.call("INFO", "keyspace", "commandstats", "errorstats")).decode()
    assert "db0:keys=1,expires=0,avg_ttl=0\r\n" in text and "db2:keys=1,expires=0,avg_ttl=0" in text
    assert "cmdstat_get:calls=0,usec=0,usec_per_call=0.00,rejected_calls=1,failed_calls=0" in text
    line = [x for x in text.split("\r\n") if x.startswith("cmdstat_set:")][0]
    assert "calls=3," in line and line.endswith("rejected_calls=0,failed_calls=1")
    assert "errorstat_ERR:count=2" in text
    fc.call("CONFIG", "RESETSTAT")
    text = parse(fc.call("INFO", "commandstats", "errorstats")).decode()
    assert "cmdstat_get" not in text and "errorstat_ERR" not in text
    assert "cmdstat_config|resetstat" not in text or "calls=1" in text


def test_info_resp3_is_verbatim(diff):
    diff.hello3()
    for c in (diff.fc, diff.ref):
        assert c.call("INFO", "cluster") == b"=34\r\ntxt:# Cluster\r\ncluster_enabled:0\r\n\r\n"


def test_swapdb(diff):
    diff.check_many([
        ("SET", "a", "0"), ("SELECT", "1"), ("SET", "b", "1"), ("SWAPDB", "0", "1"), ("GET", "a"), ("GET", "b"),
        ("SELECT", "0"), ("GET", "b"), ("SWAPDB", "0", "0"), ("GET", "b"), ("SWAPDB", "a", "1"),
        ("SWAPDB", "0", "b"), ("SWAPDB", "0", "16"), ("SWAPDB", "-1", "0"), ("SWAPDB", "99999999999", "1"),
        ("SWAPDB", "0"), ("DBSIZE",),
    ])


def test_memory_doctor_on_a_fresh_pair(server_factory):
    """MEMORY DOCTOR's text depends on the instance's history (peak memory), so
    it is compared on two servers that just started, not the shared pair."""
    ref, fc = server_factory("ref"), server_factory("fc")
    a, b = RawClient(*ref.address), RawClient(*fc.address)
    assert a.call("MEMORY", "DOCTOR") == b.call("MEMORY", "DOCTOR")
    assert b.call("MEMORY", "DOCTOR").startswith(b"$268\r\nHi Sam, this instance is empty")


def test_memory_usage_errors_and_shape(diff):
    diff.check_many([
        ("MEMORY", "USAGE"), ("MEMORY", "USAGE", "nokey"), ("MEMORY", "USAGE", "k", "SAMPLES"),
        ("MEMORY", "USAGE", "k", "samples", "-1"), ("MEMORY", "USAGE", "nokey", "samples", "x"),
        ("MEMORY", "USAGE", "k", "foo", "1"), ("MEMORY", "HELP"), ("MEMORY", "NOSUCH"),
    ])
    fc = diff.fc
    fc.call("SET", "small", "1")
    fc.call("SET", "big", "x" * 1000)
    small = parse(fc.call("MEMORY", "USAGE", "small"))
    big = parse(fc.call("MEMORY", "USAGE", "big", "SAMPLES", "0"))
    assert 0 < small < 100 and 1000 < big < 1200
    fc.call("SET", "\x00bin", "")
    assert parse(fc.call("MEMORY", "USAGE", "\x00bin")) > 0


def test_memory_stats_has_reference_keys(fc, ref):
    for c in (fc, ref):
        c.call("SET", "k", "v")
    fk = parse(fc.call("MEMORY", "STATS"))[0::2]
    rk = parse(ref.call("MEMORY", "STATS"))[0::2]
    assert fk == rk


def test_slowlog(diff):
    diff.check_many([("SLOWLOG", "HELP"), ("SLOWLOG", "GET", "-5"), ("SLOWLOG", "GET", "abc"),
                     ("SLOWLOG", "foo"), ("SLOWLOG", "GET", "1", "2"), ("SLOWLOG", "LEN", "x")])
    for c in (diff.fc, diff.ref):
        c.call("CONFIG", "SET", "slowlog-log-slower-than", "0")
        c.call("CONFIG", "SET", "slowlog-max-len", "3")
        try:
            c.call("SLOWLOG", "RESET")
            c.call("CLIENT", "SETNAME", "slow")
            c.call("SET", "k", "x" * 200)
            c.call("AUTH", "secret")
            c.call("RPUSH" if False else "EXISTS", *["a%d" % i for i in range(40)])
            entries = parse(c.call("SLOWLOG", "GET", "-1"))
        finally:
            c.call("CONFIG", "SET", "slowlog-log-slower-than", "10000")
            c.call("CONFIG", "SET", "slowlog-max-len", "128")
        assert len(entries) == 3
        ex, auth, st = entries
        assert ex[1] <= int(time.time()) + 1 and ex[2] >= 0
        assert ex[0] == auth[0] + 1 == st[0] + 2
        assert len(ex[3]) == 32 and ex[3][-1] == b"... (10 more arguments)"
        assert auth[3] == [b"AUTH", b"(redacted)"]
        assert st[3] == [b"SET", b"k", b"x" * 128 + b"... (72 more bytes)"]
        assert ex[4].startswith(b"127.0.0.1:") and ex[5] == b"slow"
    diff.check("SLOWLOG", "RESET")


def test_time_and_lastsave(fc):
    sec, usec = parse(fc.call("TIME"))
    assert abs(int(sec) - time.time()) < 5 and 0 <= int(usec) < 1000000
    assert abs(parse(fc.call("LASTSAVE")) - time.time()) < 3600


def test_debug_is_refused_by_default(diff):
    diff.check("DEBUG", "SLEEP", "0")


def test_debug_sleep_and_set_active_expire(server_factory):
    replies = {}
    for kind in ("fc", "ref"):
        s = server_factory(kind, ["--enable-debug-command", "yes"])
        c = RawClient(s.host, s.port)
        t0 = time.monotonic()
        out = [c.call("DEBUG", "SLEEP", "0.2")]
        assert time.monotonic() - t0 >= 0.19
        out += [c.call("DEBUG", "SLEEP", "abc"), c.call("DEBUG", "SET-ACTIVE-EXPIRE", "0"),
                c.call("PSETEX", "k", "50", "v") if False else c.call("SET", "k", "v", "PX", "50")]
        time.sleep(0.3)
        out += [c.call("DBSIZE"), c.call("DEBUG", "SET-ACTIVE-EXPIRE", "1"), c.call("DEBUG", "NOSUCH")]
        replies[kind] = out
        c.close()
    assert replies["fc"] == replies["ref"]
