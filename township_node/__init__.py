"""Township node (乡镇为民服务中心): relays for its villages and decides township items."""
