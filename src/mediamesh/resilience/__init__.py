"""Failure handling shared by the services: keep a request's latency bounded while a
dependency fails, and let it come back by itself.

breaker.py   CircuitBreaker: closed → open after N consecutive failures → half-open after a
             cool-down (one probe) → closed when the probe succeeds
breakers.py  Breakers: one breaker per tier (DynamoDB lists, Redis lists, DynamoDB search,
             PostgreSQL reads), built from the settings; `snapshot()` for health and metrics
guards.py    a PostgreSQL read within its budget and behind its breaker (PostgresUnavailable
             at once while the breaker is open)
"""
