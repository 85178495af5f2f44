"""Scripts in the shape popular Redis libraries send, run unchanged on both servers.

Distributed locks (release / extend only if the token matches), rate limiters
(a sliding window over a sorted set, a token bucket in a hash), job queues
(atomically move a job to a processing list and record it, retry with a JSON
payload, acknowledge), a cmsgpack-packed payload — every reply compared byte for
byte with the reference, then the resulting keyspace.  The scripts are written
here in the style of those libraries; time comes from ARGV so that both servers
compute the same thing.  Last, redis-py's own Lock and Script objects (which send
their Lua through EVALSHA with the NOSCRIPT fallback) are used against fastcache.
"""
import redis

LOCK_RELEASE = """
if redis.call('get', KEYS[1]) == ARGV[1] then
    return redis.call('del', KEYS[1])
else
    return 0
end"""

LOCK_EXTEND = """
if redis.call('get', KEYS[1]) ~= ARGV[1] then
    return 0
end
return redis.call('pexpire', KEYS[1], ARGV[2])"""

SLIDING_WINDOW = """
local key, now, window, limit = KEYS[1], tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3])
redis.call('zremrangebyscore', key, '-inf', now - window)
local count = redis.call('zcard', key)
if count < limit then
    redis.call('zadd', key, now, ARGV[4])
    redis.call('pexpire', key, window)
    return {1, limit - count - 1}
end
local oldest = redis.call('zrange', key, 0, 0, 'WITHSCORES')
return {0, tonumber(oldest[2]) + window - now}"""

TOKEN_BUCKET = """
local rate, cap, now, want = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3]), tonumber(ARGV[4])
local state = redis.call('hmget', KEYS[1], 'tokens', 'ts')
local tokens = tonumber(state[1]) or cap
local ts = tonumber(state[2]) or now
tokens = math.min(cap, tokens + (now - ts) * rate / 1000)
local ok = tokens >= want
if ok then tokens = tokens - want end
redis.call('hset', KEYS[1], 'tokens', tokens, 'ts', now)
redis.call('pexpire', KEYS[1], math.ceil(cap / rate * 1000))
return {ok and 1 or 0, tostring(tokens)}"""

MOVE_TO_PROCESSING = """
local job = redis.call('rpoplpush', KEYS[1], KEYS[2])
if not job then return false end
redis.call('hset', KEYS[3], job, ARGV[1])
redis.call('zadd', KEYS[4], ARGV[2], job)
return job"""

RETRY_JSON = """
local raw = redis.call('get', KEYS[1])
if not raw then return redis.error_reply('ERR no such job') end
local job = cjson.decode(raw)
job.tries = (job.tries or 0) + 1
if job.tries > tonumber(ARGV[1]) then
    redis.call('del', KEYS[1])
    redis.call('lpush', KEYS[3], job.id)
    return {'dead', job.tries}
end
redis.call('set', KEYS[1], cjson.encode(job))
redis.call('lpush', KEYS[2], job.id)
return {'retry', job.tries, cjson.encode(job)}"""

ACK = """
local removed = redis.call('lrem', KEYS[1], 1, ARGV[1])
redis.call('hdel', KEYS[2], ARGV[1])
redis.call('zrem', KEYS[3], ARGV[1])
return removed"""

MSGPACK = """
local packed = cmsgpack.pack({id = ARGV[1], n = tonumber(ARGV[2]), tags = {'a', 'b'}})
redis.call('set', KEYS[1], packed)
local back = cmsgpack.unpack(redis.call('get', KEYS[1]))
return {back.id, back.n, back.tags[2], #packed}"""


READ_ALL = {b"string": ("GET",), b"list": ("LRANGE", "0", "-1"), b"hash": ("HGETALL",),
            b"zset": ("ZRANGE", "0", "-1", "WITHSCORES"), b"set": ("SMEMBERS",)}


def _keyspace(diff, *keys):
    """Type, whole content and whether a TTL is set, for each key.  (Not DUMP:
    our LZF compressor finds other matches than Redis's, so compressed payloads
    differ in bytes while restoring to the same value.)"""
    for k in keys:
        t = diff.check("TYPE", k).split(b"\r\n")[0][1:]
        if t in READ_ALL:
            cmd = READ_ALL[t]
            diff.check(cmd[0], k, *cmd[1:])
        diff.check("PTTL", k, normalize=lambda r: r if r.startswith(b":-") else b":ttl")


def test_lock_release_and_extend_only_with_the_owner_token(diff):
    diff.check("SET", "lock:res", "token-1", "NX", "PX", "30000")
    diff.check("SET", "lock:res", "token-2", "NX", "PX", "30000")
    diff.check("EVAL", LOCK_EXTEND, "1", "lock:res", "token-2", "60000")
    diff.check("EVAL", LOCK_EXTEND, "1", "lock:res", "token-1", "60000")
    diff.check("EVAL", LOCK_RELEASE, "1", "lock:res", "token-2")
    diff.check("EXISTS", "lock:res")
    diff.check("EVAL", LOCK_RELEASE, "1", "lock:res", "token-1")
    diff.check("EVAL", LOCK_RELEASE, "1", "lock:res", "token-1")
    diff.check("EXISTS", "lock:res")


def test_sliding_window_rate_limiter(diff):
    for i, now in enumerate([1000, 1100, 1200, 1300, 1400, 2050, 2150, 3500]):
        diff.check("EVAL", SLIDING_WINDOW, "1", "rl:user:7", str(now), "1000", "3", "req-%d" % i)
    diff.check("ZRANGE", "rl:user:7", "0", "-1", "WITHSCORES")
    _keyspace(diff, "rl:user:7")


def test_token_bucket_rate_limiter(diff):
    for now, want in [(0, 1), (10, 5), (20, 5), (500, 3), (520, 1), (5000, 10), (5001, 1)]:
        diff.check("EVAL", TOKEN_BUCKET, "1", "tb:api", "2", "10", str(now), str(want))
    diff.check("HGETALL", "tb:api")


def test_queue_move_to_processing_retry_and_ack(diff):
    diff.check("LPUSH", "q:wait", "j1", "j2", "j3")
    for j in ("j1", "j2", "j3"):
        diff.check("SET", "job:" + j, '{"id":"%s","tries":1}' % j)
    keys = ["4", "q:wait", "q:active", "q:owner", "q:deadline"]
    for n in range(4):       # the fourth finds the queue empty: nil
        diff.check("EVAL", MOVE_TO_PROCESSING, *keys, "worker-%d" % n, str(10000 + n))
    diff.check("LRANGE", "q:active", "0", "-1")
    diff.check("HGETALL", "q:owner")
    diff.check("ZRANGE", "q:deadline", "0", "-1", "WITHSCORES")
    for _ in range(3):
        diff.check("EVAL", RETRY_JSON, "3", "job:j1", "q:wait", "q:dead", "2")
    diff.check("EVAL", RETRY_JSON, "3", "job:none", "q:wait", "q:dead", "2")
    diff.check("LRANGE", "q:wait", "0", "-1")
    diff.check("LRANGE", "q:dead", "0", "-1")
    diff.check("EVAL", ACK, "3", "q:active", "q:owner", "q:deadline", "j2")
    diff.check("EVAL", ACK, "3", "q:active", "q:owner", "q:deadline", "j2")
    _keyspace(diff, "q:active", "q:owner", "q:deadline", "job:j1")


def test_msgpack_payload_round_trip(diff):
    diff.check("EVAL", MSGPACK, "1", "packed", "abc", "42")
    diff.check("GET", "packed")


def test_evalsha_of_loaded_library_scripts(diff):
    sha = diff.check("SCRIPT", "LOAD", LOCK_RELEASE)
    digest = sha.split(b"\r\n")[1].decode()
    diff.check("SET", "l", "t")
    diff.check("EVALSHA", digest, "1", "l", "x")
    diff.check("EVALSHA", digest, "1", "l", "t")
    diff.check("EVALSHA_RO", digest, "1", "l", "t")


def test_redis_py_lock_and_script_objects(fc_server):
    """redis-py (hiredis parser) drives its Lock -- acquire, extend, reacquire,
    release, all Lua -- and a registered Script, which falls back from EVALSHA to
    SCRIPT LOAD after a SCRIPT FLUSH."""
    r = redis.Redis(host=fc_server.host, port=fc_server.port)
    try:
        r.delete("rp:lock", "rp:counter")
        lock = r.lock("rp:lock", timeout=5, blocking=False)
        assert lock.acquire()
        other = r.lock("rp:lock", timeout=5, blocking=False)
        assert not other.acquire()
        assert lock.extend(10)
        assert r.pttl("rp:lock") > 5000
        assert lock.reacquire()
        assert lock.owned()
        lock.release()
        assert not r.exists("rp:lock")
        assert other.acquire()
        other.release()

        incr_by = r.register_script("return redis.call('incrby', KEYS[1], ARGV[1])")
        assert incr_by(keys=["rp:counter"], args=[5]) == 5
        r.script_flush()
        assert incr_by(keys=["rp:counter"], args=[2]) == 7     # NOSCRIPT -> load -> run
        pipe = r.pipeline()
        incr_by(keys=["rp:counter"], args=[1], client=pipe)
        incr_by(keys=["rp:counter"], args=[1], client=pipe)
        assert pipe.execute() == [8, 9]
    finally:
        r.delete("rp:lock", "rp:counter")
        r.close()
