"""Kafka into bronze, exactly once: dump files (kcat -J, Kafka Connect) and live topics."""
