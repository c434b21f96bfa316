"""The cache-aside machinery, independent of what is cached.

tier.py          the Tier protocol every cache store implements, and the MISS sentinel
chain.py         CacheChain: tiers in order, then the source; write-back; refresh
single_flight.py one computation per key per process
lock.py          the cross-process lock protocol (a Redis SET NX PX implements it)
background.py    write-backs as tracked background tasks
write_backs.py   one write-back per key and generation
near_cache.py    a bounded in-process cache of rendered responses
jitter.py        TTL jitter
metrics.py       counters per tier, for /metrics
"""
