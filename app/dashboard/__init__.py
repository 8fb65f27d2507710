"""The operators' dashboard: one HTML page, JSON figures, Prometheus /metrics, replay."""
