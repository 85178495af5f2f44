"""Pub/Sub: SUBSCRIBE family, PUBLISH/SPUBLISH delivery, PUBSUB introspection,
RESP2 subscribed mode, RESP3 pushes.  Differential: the same subscriber and
publisher connections on the reference and on fastcache, raw bytes compared.

Channel names are unique per test (the session servers are shared and a closed
connection's subscriptions vanish asynchronously); replies whose order Redis
leaves to a hash table walk (UNSUBSCRIBE without arguments over several
channels, PUBSUB CHANNELS) are compared sorted.
"""
import itertools
import threading
import time

import pytest

from support.diff import sorted_array
from support.resp import RawClient, encode_command, parse, parse_all

_seq = itertools.count()


def uniq(prefix="ch"):
    """A channel name no other test uses."""
    return "%s:%d:%d" % (prefix, time.monotonic_ns() % 10**9, next(_seq))


class Pair:
    """One extra connection to each server (a publisher or a second subscriber)."""

    def __init__(self, ref_server, fc_server):
        self.ref = RawClient(ref_server.host, ref_server.port)
        self.fc = RawClient(fc_server.host, fc_server.port)

    def check(self, *args):
        self.ref.send_command(*args)
        self.fc.send_command(*args)
        r, f = self.ref.read_reply(), self.fc.read_reply()
        assert r == f, (args, r, f)
        return r

    def sub(self, *args):
        """A (P|S)SUBSCRIBE: one reply per channel, identical on both servers."""
        for c in (self.ref, self.fc):
            c.send_command(*args)
        r = self.ref.read_replies(len(args) - 1)
        f = self.fc.read_replies(len(args) - 1)
        assert r == f, (args, r, f)

    def close(self):
        self.ref.close()
        self.fc.close()


@pytest.fixture
def pair(ref_server, fc_server):
    pairs = []

    def make():
        p = Pair(ref_server, fc_server)
        pairs.append(p)
        return p
    yield make
    for p in pairs:
        p.close()


def same_pushes(diff, n, timeout=5.0):
    """The next n replies (pushed messages) on diff's connections are identical."""
    r = diff.ref.read_replies(n, timeout)
    f = diff.fc.read_replies(n, timeout)
    assert r == f
    return r


def wait_numsub(pair_, ch, want, timeout=5.0):
    """Poll PUBSUB NUMSUB on both servers until both report `want` (disconnects
    are processed asynchronously)."""
    deadline = time.monotonic() + timeout
    while True:
        rs = [parse(c.call("PUBSUB", "NUMSUB", ch))[1] for c in (pair_.ref, pair_.fc)]
        if rs == [want, want] or time.monotonic() > deadline:
            assert rs == [want, want]
            return
        time.sleep(0.02)


# ----------------------------------------------------------------- subscribe replies

def test_unsubscribe_without_subscriptions_replies_nil_and_zero(diff):
    diff.check("UNSUBSCRIBE")
    diff.check("PUNSUBSCRIBE")
    diff.check("SUNSUBSCRIBE")
    diff.hello3()
    diff.check("UNSUBSCRIBE")
    diff.check("PUNSUBSCRIBE")
    diff.check("SUNSUBSCRIBE")


def test_subscribe_counts_channels_and_patterns_shard_apart(diff):
    a, b = uniq(), uniq()
    diff.check_raw(encode_command("SUBSCRIBE", a, a, b), replies=3)
    diff.check_raw(encode_command("PSUBSCRIBE", a + "*", a + "*", "x?"), replies=3)
    diff.check_raw(encode_command("SSUBSCRIBE", a, a, b), replies=3)
    diff.check_raw(encode_command("UNSUBSCRIBE", b, "never-subscribed", b), replies=3)
    diff.check_raw(encode_command("PUNSUBSCRIBE", "x?", "nope"), replies=2)
    diff.check_raw(encode_command("SUNSUBSCRIBE", a, "nope"), replies=2)
    diff.check("SUNSUBSCRIBE", b)
    diff.check("PUNSUBSCRIBE", a + "*")
    diff.check("UNSUBSCRIBE", a)
    diff.check("UNSUBSCRIBE")


def test_subscribe_binary_and_empty_channel_names(diff, pair):
    p = pair()
    ch = b"bin\x00\r\n\xff" + uniq().encode()
    diff.check("SUBSCRIBE", ch, b"")
    diff.check("PSUBSCRIBE", b"bin\x00*")
    assert p.check("PUBLISH", ch, b"m\x00sg\r\n") == b":2\r\n"
    same_pushes(diff, 2)
    assert p.check("PUBLISH", b"", b"") == b":1\r\n"
    same_pushes(diff, 1)
    diff.check("UNSUBSCRIBE", b"")


def test_punsubscribe_without_arguments_answers_in_subscription_order(diff):
    pats = [uniq("p") + s for s in ("*", "?", "[ab]", "\\*", "")]
    diff.check_raw(encode_command("PSUBSCRIBE", *pats), replies=len(pats))
    diff.check_raw(encode_command("PUNSUBSCRIBE"), replies=len(pats))
    diff.check("PUNSUBSCRIBE")


def test_unsubscribe_all_replies_every_channel_with_decreasing_counts(diff):
    chans = [uniq() for _ in range(5)]
    diff.check_raw(encode_command("SUBSCRIBE", *chans), replies=5)
    diff.check("PSUBSCRIBE", "keep*")
    r = diff.ref.send(encode_command("UNSUBSCRIBE"))
    diff.fc.send(encode_command("UNSUBSCRIBE"))
    r = [parse(x) for x in diff.ref.read_replies(5)]
    f = [parse(x) for x in diff.fc.read_replies(5)]
    # Redis walks a hash table: the channel order is unspecified, the counts are not
    assert sorted(x[1] for x in r) == sorted(x[1] for x in f) == sorted(c.encode() for c in chans)
    assert [x[0] for x in f] == [b"unsubscribe"] * 5
    assert [x[2] for x in r] == [x[2] for x in f] == [5, 4, 3, 2, 1]
    diff.check("PUNSUBSCRIBE")


def test_subscribe_family_arity_errors(diff):
    diff.check_many([("SUBSCRIBE",), ("PSUBSCRIBE",), ("SSUBSCRIBE",), ("PUBLISH", "a"),
                     ("PUBLISH", "a", "b", "c"), ("SPUBLISH", "a"), ("PUBSUB",),
                     ("PUBSUB", "NUMPAT", "x"), ("PUBSUB", "nosuch"), ("PUBSUB", "HELP"),
                     ("PUBSUB", "help", "extra"),
                     ("PUBSUB", "CHANNELS", "a", "b"), ("pubsub", "channels", "a", "b"),
                     ("PUBSUB", "SHARDCHANNELS", "a", "b")])


def test_random_subscribe_unsubscribe_sequences_match_reference(diff):
    """Counts after every step of a random walk over 60 channels and 10 patterns
    (grows and shrinks the per-client sets through many sizes)."""
    import random
    rnd = random.Random(1234)
    base = uniq("walk")
    chans = ["%s:%d" % (base, i) for i in range(60)]
    pats = ["%s:%d*" % (base, i) for i in range(10)]
    cmds = []
    for _ in range(400):
        k = rnd.random()
        if k < 0.45:
            cmds.append(("SUBSCRIBE", rnd.choice(chans)))
        elif k < 0.8:
            cmds.append(("UNSUBSCRIBE", rnd.choice(chans)))
        elif k < 0.9:
            cmds.append(("PSUBSCRIBE", rnd.choice(pats)))
        else:
            cmds.append(("PUNSUBSCRIBE", rnd.choice(pats)))
    diff.check_many(cmds)
    diff.check_many([("SSUBSCRIBE", c) for c in chans[:30]] + [("SUNSUBSCRIBE", c) for c in chans[::2]])
    diff.check("RESET")
    diff.check("PING")


# ----------------------------------------------------------------- subscribed mode (RESP2)

def test_resp2_subscribed_mode_allows_only_subscription_commands(diff):
    ch = uniq()
    diff.check("SUBSCRIBE", ch)
    diff.check_many([("GET", "x"), ("SET", "x", "1"), ("CONFIG", "GET", "maxmemory"),
                     ("PUBSUB", "NUMSUB", ch), ("CLIENT", "INFO"), ("PUBLISH", ch, "m"),
                     ("HELLO", "3"), ("SELECT", "1"), ("nosuchcommand",), ("GET",),
                     ("PING",), ("PING", "hello"), ("PING", ""), ("PING", "a", "b"),
                     ("PSUBSCRIBE", "p*"), ("PUNSUBSCRIBE",), ("SSUBSCRIBE", ch), ("SUNSUBSCRIBE",),
                     ("GET", "x")])
    diff.check("UNSUBSCRIBE", ch)
    # no subscription left: back to normal mode
    diff.check_many([("GET", "x"), ("PING",), ("PING", "x")])


def test_shard_subscription_alone_keeps_subscribed_mode(diff):
    ch = uniq()
    diff.check("SSUBSCRIBE", ch)
    diff.check("GET", "x")
    diff.check("UNSUBSCRIBE")          # channels + patterns are 0, shard still held
    diff.check("GET", "x")
    diff.check("SUNSUBSCRIBE")
    diff.check("GET", "x")


def test_reset_leaves_every_subscription(diff, pair):
    p = pair()
    ch = uniq()
    diff.check("SUBSCRIBE", ch)
    diff.check("PSUBSCRIBE", ch + "*")
    diff.check("SSUBSCRIBE", ch)
    diff.check("RESET")
    diff.check("GET", "x")
    p.check("PUBSUB", "NUMSUB", ch)
    p.check("PUBSUB", "SHARDNUMSUB", ch)
    assert p.check("PUBLISH", ch, "m") == b":0\r\n"
    assert p.check("SPUBLISH", ch, "m") == b":0\r\n"
    diff.check("PING")


def test_hello_2_after_resp3_subscribe_enters_subscribed_mode(diff):
    diff.hello3()
    diff.check("SUBSCRIBE", uniq())
    diff.check("GET", "x")                 # RESP3: anything goes
    r = diff.ref.call("HELLO", "2")        # the map's client id differs
    f = diff.fc.call("HELLO", "2")
    assert r[:1] == f[:1] == b"*"
    diff.check_many([("GET", "x"), ("HELLO", "3"), ("PING",), ("RESET",), ("GET", "x")])


def test_subscription_confirmations_ignore_client_reply_off_and_skip(diff, pair):
    p = pair()
    ch = uniq()
    diff.hello3()
    diff.check_raw(encode_command("CLIENT", "REPLY", "SKIP") + encode_command("SUBSCRIBE", ch)
                   + encode_command("PING"), replies=2)
    diff.check_raw(encode_command("CLIENT", "REPLY", "OFF") + encode_command("PSUBSCRIBE", ch + "*")
                   + encode_command("GET", "x") + encode_command("UNSUBSCRIBE", ch)
                   + encode_command("CLIENT", "REPLY", "ON"), replies=3)
    # messages are pushed whatever the reply mode
    diff.check_raw(encode_command("CLIENT", "REPLY", "OFF"), replies=0)
    assert p.check("PUBLISH", ch, "m") == b":1\r\n"
    same_pushes(diff, 1)
    diff.check("CLIENT", "REPLY", "ON")


def test_subscribe_inside_multi(diff):
    ch = uniq()
    # RESP2: queued, run by EXEC (its confirmation inside EXEC's array), then
    # the connection is in subscribed mode
    diff.check_many([("MULTI",), ("SUBSCRIBE", ch), ("PING",), ("EXEC",), ("GET", "x"), ("MULTI",),
                     ("PING",), ("EXEC",), ("UNSUBSCRIBE",), ("GET", "x")])
    diff.hello3()
    diff.check_many([("MULTI",), ("SUBSCRIBE", ch), ("PUBLISH", ch, "z"), ("PSUBSCRIBE", ch + "*"),
                     ("EXEC",), ("GET", "x")])
    diff.check("RESET")


def test_quit_is_allowed_in_subscribed_mode(diff):
    diff.check("SUBSCRIBE", uniq())
    diff.check_raw_then_close(encode_command("QUIT"))


# ----------------------------------------------------------------- delivery

def test_publish_delivers_channel_then_pattern_messages(diff, pair):
    p = pair()
    ch = uniq("news")
    diff.check("SUBSCRIBE", ch)
    diff.check("PSUBSCRIBE", "news:*")
    assert p.check("PUBLISH", ch, "hello") == b":2\r\n"
    same_pushes(diff, 2)
    assert p.check("PUBLISH", "other", "x") == b":0\r\n"
    assert p.check("PUBLISH", "news:zzz" + ch, "pattern only") == b":1\r\n"
    same_pushes(diff, 1)


def test_pattern_glob_features(diff, pair):
    p = pair()
    base = uniq("g")
    pats = [base + "h?llo", base + "h*llo", base + "h[ae]llo", base + "h[^e]llo", base + "h[a-b]llo",
            base + "h\\*llo", base + "H*"]
    for pat in pats:
        diff.check("PSUBSCRIBE", pat)
    for name in ("hello", "hallo", "hxllo", "hllo", "heeeello", "h*llo", "Hello", "hbllo"):
        r = p.check("PUBLISH", base + name, "m")
        n = parse(r)
        if n:
            # a client with several matching patterns: Redis delivers in pattern
            # table order; compare as a multiset
            rr = sorted(diff.ref.read_replies(n))
            ff = sorted(diff.fc.read_replies(n))
            assert rr == ff, name


def test_subscriber_receives_once_per_subscription(diff, pair):
    """A client on a channel and on a matching pattern gets both messages;
    PUBLISH counts both."""
    p = pair()
    ch = uniq()
    diff.check("SUBSCRIBE", ch)
    diff.check("PSUBSCRIBE", ch[:3] + "*")
    diff.check("PSUBSCRIBE", ch)
    assert p.check("PUBLISH", ch, "x") == b":3\r\n"
    r = diff.ref.read_replies(3)
    f = diff.fc.read_replies(3)
    assert r[0] == f[0] and sorted(r[1:]) == sorted(f[1:])


def test_spublish_reaches_only_shard_subscribers(diff, pair):
    p = pair()
    ch = uniq()
    diff.check("SSUBSCRIBE", ch)
    diff.check("PSUBSCRIBE", "*" + ch[-4:])
    assert p.check("SPUBLISH", ch, "shard msg") == b":1\r\n"
    same_pushes(diff, 1)
    # PUBLISH on the same name does not reach the shard subscription; the pattern does
    assert p.check("PUBLISH", ch, "plain") == b":1\r\n"
    same_pushes(diff, 1)


def test_resp3_pushes_and_any_command_while_subscribed(diff, pair):
    p = pair()
    ch = uniq()
    diff.hello3()
    diff.check("SUBSCRIBE", ch)
    diff.check("PSUBSCRIBE", ch + "*")
    diff.check("SSUBSCRIBE", ch)
    diff.check_many([("PING",), ("PING", "x"), ("SET", "k", "v"), ("GET", "k"), ("PUBSUB", "NUMSUB", ch)])
    # publishing to itself: the pushes come before the PUBLISH reply
    diff.check_raw(encode_command("PUBLISH", ch, "self"), replies=3)
    assert p.check("PUBLISH", ch, "other") == b":2\r\n"
    same_pushes(diff, 2)
    assert p.check("SPUBLISH", ch, "s") == b":1\r\n"
    same_pushes(diff, 1)
    diff.check("UNSUBSCRIBE", ch)
    diff.check("PUNSUBSCRIBE")
    diff.check("SUNSUBSCRIBE")


def test_resp3_subscriber_blocked_in_blpop_still_receives_messages(diff, pair):
    p = pair()
    ch = uniq()
    key = uniq("list")
    diff.hello3()
    diff.check("SUBSCRIBE", ch)
    for c in (diff.ref, diff.fc):
        c.send_command("BLPOP", key, "0")
    time.sleep(0.1)
    assert p.check("PUBLISH", ch, "while blocked") == b":1\r\n"
    same_pushes(diff, 1)
    assert p.check("LPUSH", key, "v") == b":1\r\n"
    same_pushes(diff, 1)                   # the BLPOP reply


@pytest.mark.parametrize("kind", ["fc", "ref"])
def test_events_published_outside_a_client_batch_are_delivered(kind, server_factory):
    """Active expiry runs from the cron, not from a client's input: its keyspace
    event still reaches the subscriber promptly (no other client traffic)."""
    srv = server_factory(kind, args=["--notify-keyspace-events", "Ex", "--hz", "100"])
    sub = RawClient(srv.host, srv.port)
    w = RawClient(srv.host, srv.port)
    assert sub.call("SUBSCRIBE", "__keyevent@0__:expired").endswith(b":1\r\n")
    assert w.call("SET", "k", "v", "PX", "30") == b"+OK\r\n"
    t = time.monotonic()
    assert parse(sub.read_reply(timeout=5)) == [b"message", b"__keyevent@0__:expired", b"k"]
    assert time.monotonic() - t < 2.0
    sub.close()
    w.close()


def test_resp2_and_resp3_subscribers_of_one_channel(diff, pair):
    p, s3 = pair(), pair()
    ch = uniq()
    for c in (s3.ref, s3.fc):
        c.call("HELLO", "3")
    s3.sub("SUBSCRIBE", ch)
    diff.check("SUBSCRIBE", ch)
    assert p.check("PUBLISH", ch, "both") == b":2\r\n"
    same_pushes(diff, 1)
    r, f = s3.ref.read_reply(), s3.fc.read_reply()
    assert r == f and r.startswith(b">3\r\n")


def test_big_message_is_delivered_whole(diff, pair):
    p = pair()
    ch = uniq()
    diff.check("SUBSCRIBE", ch)
    big = b"x" * (3 << 20)
    assert p.check("PUBLISH", ch, big) == b":1\r\n"
    same_pushes(diff, 1, timeout=10)


def test_disconnect_removes_subscriptions(pair):
    p, s = pair(), pair()
    ch = uniq()
    s.sub("SUBSCRIBE", ch)
    s.sub("PSUBSCRIBE", ch + "*")
    wait_numsub(p, ch, 1)
    s.close()
    wait_numsub(p, ch, 0)
    assert p.check("PUBLISH", ch, "nobody") == b":0\r\n"


# ----------------------------------------------------------------- PUBSUB introspection

def test_pubsub_numsub_channels_and_shard_variants(diff, pair):
    s1, s2 = pair(), pair()
    a, b = uniq("intro"), uniq("intro")
    s1.sub("SUBSCRIBE", a, b)
    s2.sub("SUBSCRIBE", a)
    s1.sub("SSUBSCRIBE", a)
    s2.sub("PSUBSCRIBE", a)          # patterns don't count in NUMSUB
    diff.check("PUBSUB", "NUMSUB")
    diff.check("PUBSUB", "NUMSUB", a, b, "none", a)
    diff.check("PUBSUB", "SHARDNUMSUB", a, b)
    diff.check("PUBSUB", "SHARDNUMSUB")
    diff.check("PUBSUB", "CHANNELS", a[:8] + "*", normalize=sorted_array)
    diff.check("PUBSUB", "CHANNELS", a)
    diff.check("PUBSUB", "CHANNELS", "no-such-*")
    diff.check("PUBSUB", "SHARDCHANNELS", a[:8] + "*", normalize=sorted_array)
    diff.check("PUBSUB", "SHARDCHANNELS", b)
    diff.hello3()
    diff.check("PUBSUB", "NUMSUB", a, b)
    diff.check("PUBSUB", "CHANNELS", a)
    diff.check("PUBSUB", "SHARDNUMSUB", a)


def test_pubsub_numpat_counts_distinct_patterns(diff, pair):
    s1, s2 = pair(), pair()
    pat = uniq("np") + "*"
    before = [parse(c.call("PUBSUB", "NUMPAT")) for c in (diff.ref, diff.fc)]
    s1.sub("PSUBSCRIBE", pat, pat + "x")
    s2.sub("PSUBSCRIBE", pat)
    after = [parse(c.call("PUBSUB", "NUMPAT")) for c in (diff.ref, diff.fc)]
    assert after[0] - before[0] == after[1] - before[1] == 2


def test_client_list_shows_subscription_counts_and_flag(pair):
    s = pair()
    ch = uniq()
    for c in (s.ref, s.fc):
        c.call("HELLO", "3")           # RESP3: CLIENT INFO is allowed while subscribed
        c.pipeline([("SUBSCRIBE", ch, ch + "2"), ("PSUBSCRIBE", ch + "*"), ("SSUBSCRIBE", ch)])
        c.read_reply()                 # SUBSCRIBE answers once per channel
        info = parse(c.call("CLIENT", "INFO"))
        line = bytes(info).decode()
        kv = dict(x.split("=", 1) for x in line.split())
        assert (kv["sub"], kv["psub"], kv["ssub"], kv["flags"]) == ("2", "1", "1", "P"), line
        listing = bytes(parse(c.call("CLIENT", "LIST", "TYPE", "pubsub"))).decode()
        assert "id=%s " % kv["id"] in listing


@pytest.mark.parametrize("kind", ["fc", "ref"])
def test_client_kill_type_pubsub_kills_only_subscribers(kind, server_factory):
    srv = server_factory(kind)
    a = RawClient(srv.host, srv.port)
    b = RawClient(srv.host, srv.port)
    s = RawClient(srv.host, srv.port)
    s.call("SSUBSCRIBE", "only-shard")     # shard subscriptions make a pubsub client too
    b.call("SUBSCRIBE", "x")
    b.call("UNSUBSCRIBE", "x")             # no subscription left: a normal client again
    assert a.call("CLIENT", "KILL", "TYPE", "pubsub") == b":1\r\n"
    assert s.is_closed_by_peer()
    assert b.call("PING") == b"+PONG\r\n"
    for c in (a, b, s):
        c.close()


def test_info_stats_count_channels_patterns_and_shard_channels(pair, fc):
    s = pair()
    ch = uniq()

    def counts(c):
        text = parse(c.call("INFO", "stats")).decode()
        kv = dict(x.split(":", 1) for x in text.split("\r\n") if ":" in x)
        return [int(kv[k]) for k in ("pubsub_channels", "pubsub_patterns", "pubsubshard_channels")]
    before = [counts(s.ref), counts(s.fc)]
    s2 = pair()
    s2.sub("SUBSCRIBE", ch, ch + "b")
    s2.sub("PSUBSCRIBE", ch + "*")
    s2.sub("SSUBSCRIBE", ch)
    after = [counts(s.ref), counts(s.fc)]
    for b, a in zip(before, after):
        assert [x - y for x, y in zip(a, b)] == [2, 1, 1]


# ----------------------------------------------------------------- concurrency

def _collect(sock_client, n, out, key):
    msgs = []
    try:
        while len(msgs) < n:
            msgs.append(parse(sock_client.read_reply(timeout=20)))
    finally:
        out[key] = msgs


@pytest.mark.parametrize("server", ["fc", "ref"])
def test_fan_out_every_subscriber_gets_every_message_in_order(server, fc_server, ref_server):
    srv = fc_server if server == "fc" else ref_server
    ch = uniq("fan")
    nsub, nmsg = 20, 2000
    subs = [RawClient(srv.host, srv.port, timeout=20) for _ in range(nsub)]
    try:
        for i, s in enumerate(subs):
            if i % 2:
                s.call("HELLO", "3")
            s.call("SUBSCRIBE", ch)
        pub = RawClient(srv.host, srv.port, timeout=20)
        out = {}
        threads = [threading.Thread(target=_collect, args=(s, nmsg, out, i)) for i, s in enumerate(subs)]
        for t in threads:
            t.start()
        # pipelined in batches, like a busy publisher
        replies = []
        for start in range(0, nmsg, 200):
            batch = [("PUBLISH", ch, "m%d" % j) for j in range(start, start + 200)]
            replies += pub.pipeline(batch)
        for t in threads:
            t.join(30)
        assert set(replies) == {b":%d\r\n" % nsub}
        want = [[b"message", ch.encode(), b"m%d" % j] for j in range(nmsg)]
        for i in range(nsub):
            assert out[i] == want, "subscriber %d" % i
        pub.close()
    finally:
        for s in subs:
            s.close()


def test_pipelined_subscribe_publish_unsubscribe_in_one_batch(diff):
    ch = uniq()
    raw = b"".join(encode_command(*a) for a in [
        ("SUBSCRIBE", ch), ("PING",), ("UNSUBSCRIBE", ch), ("PUBLISH", ch, "late"), ("GET", "k")])
    diff.check_raw(raw, replies=5)


def test_parse_all_of_messages_is_well_formed(fc_server):
    """Messages interleaved with replies parse as whole frames (no torn writes)."""
    c = RawClient(fc_server.host, fc_server.port)
    try:
        ch = uniq()
        c.call("HELLO", "3")
        c.call("SUBSCRIBE", ch)
        c.send(b"".join(encode_command("PUBLISH", ch, "v%d" % i) for i in range(300)))
        got = c.read_replies(600)
        vals = parse_all(b"".join(got))
        assert [v for v in vals if isinstance(v, int)] == [1] * 300
        assert [v[2] for v in vals if isinstance(v, list)] == [b"v%d" % i for i in range(300)]
    finally:
        c.close()
