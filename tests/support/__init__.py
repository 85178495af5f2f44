"""Test support: server launchers, a raw RESP client and the differential harness."""
