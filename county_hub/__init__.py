"""County hub (县政务服务中心): receives, routes, decides and supervises."""
